/**
 * Client-side routing over the History API: a table of path patterns to views. Links marked
 * `data-link` navigate without a page load; back/forward re-render the route.
 */
import type { Head } from './head.ts';

export interface View {
  head: Head;
  node: Node;
  /** Runs once the view is in the document and announced ready (e.g. a delayed redirect). */
  afterRender?: (navigate: Navigate) => void;
}

export type Navigate = (path: string, options?: { replace?: boolean }) => void;
export type Loader = (params: string[]) => Promise<View> | View;

export interface Route {
  pattern: RegExp;
  load: Loader;
}

/** The first route whose pattern matches the path, with its captured groups; null for none. */
export function matchRoute(routes: readonly Route[], path: string): { route: Route; params: string[] } | null {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  for (const route of routes) {
    const match = route.pattern.exec(normalized);
    if (match) return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

/** Wires link clicks and popstate to `render`; returns the navigate function. */
export function startRouter(render: (path: string) => void): Navigate {
  const navigate: Navigate = (path, options = {}) => {
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    render(path);
  };
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a[data-link]');
    if (!(anchor instanceof HTMLAnchorElement) || anchor.origin !== location.origin) return;
    event.preventDefault();
    if (anchor.pathname !== location.pathname) navigate(anchor.pathname + anchor.search);
  });
  window.addEventListener('popstate', () => render(location.pathname));
  return navigate;
}
