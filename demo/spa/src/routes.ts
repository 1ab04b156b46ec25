/** The route table: every client-side route of the demo and the view it renders. */
import type { Route } from './router.ts';
import { aboutView } from './views/about.ts';
import { homeView } from './views/home.ts';
import { goneView, movedView } from './views/status.ts';

export const routes: Route[] = [
  { pattern: /^\/$/, load: () => homeView() },
  // The article reader (markdown + syntax highlighting) is its own chunk, loaded on first use.
  { pattern: /^\/article\/([^/]+)$/, load: async ([id]) => (await import('./views/article.ts')).articleView(id ?? '') },
  { pattern: /^\/about$/, load: () => aboutView() },
  { pattern: /^\/gone$/, load: () => goneView() },
  { pattern: /^\/old-about$/, load: () => movedView('/about') },
];
