/** The UI's routes: one screen per path, each loaded as its own chunk the first time it is shown. */
import type { FunctionComponent } from 'preact';

export interface ScreenProps {
  params: string[];
  search: URLSearchParams;
}

export interface Route {
  pattern: RegExp;
  title: (params: string[]) => string;
  load: () => Promise<{ default: FunctionComponent<ScreenProps> }>;
}

export const ROUTES: Route[] = [
  { pattern: /^\/links\/?$/, title: () => 'Links', load: () => import('./screens/links.tsx') },
  { pattern: /^\/links\/([A-Za-z0-9_-]{1,64})$/, title: ([code]) => `Link ${code}`, load: () => import('./screens/link.tsx') },
  { pattern: /^\/prerender\/?$/, title: () => 'Prerender', load: () => import('./screens/prerender.tsx') },
  { pattern: /^\/feed\/?$/, title: () => 'Feed breaker', load: () => import('./screens/feed.tsx') },
];

export function match(path: string): { route: Route; params: string[] } | null {
  for (const route of ROUTES) {
    const found = route.pattern.exec(path);
    if (found) return { route, params: found.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

const listeners = new Set<() => void>();

export function onNavigate(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Shows another screen without reloading: history entry, then every listener. */
export function navigate(href: string, { replace = false } = {}): void {
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) {
    location.assign(href);
    return;
  }
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});
