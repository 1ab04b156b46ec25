/**
 * Entry of the demo SPA. Tells prerenderers when the page is done (`window.prerenderReady`), routes
 * on the client, and renders each view with its own title, description and prerender status.
 */
import './styles.css';
import { applyHead } from './head.ts';
import { matchRoute, startRouter, type Navigate, type View } from './router.ts';
import { routes } from './routes.ts';
import { errorView, notFoundView } from './views/status.ts';

window.prerenderReady = false;

const app = document.getElementById('app');
if (!app) throw new Error('#app missing from index.html');
const outlet: HTMLElement = app;

let current = 0;
let navigate: Navigate = () => {};

async function render(path: string): Promise<void> {
  const token = ++current;
  window.prerenderReady = false;
  outlet.setAttribute('aria-busy', 'true');
  let view: View;
  try {
    const matched = matchRoute(routes, path);
    view = matched ? await matched.route.load(matched.params) : notFoundView(path);
  } catch (error) {
    console.warn('route failed to render', error);
    view = errorView();
  }
  if (token !== current) return; // a newer navigation won
  outlet.replaceChildren(view.node);
  outlet.removeAttribute('aria-busy');
  applyHead(view.head);
  window.scrollTo(0, 0);
  window.prerenderReady = true;
  view.afterRender?.(navigate);
}

navigate = startRouter((path) => void render(path));
void render(location.pathname);
