/** Views whose HTTP meaning matters to crawlers: not found (404), gone (404), moved (301), error. */
import { h, link } from '../dom.ts';
import type { View } from '../router.ts';

export function notFoundView(path: string): View {
  return {
    head: { title: 'Page not found', description: 'There is no page at this address.', status: 404 },
    node: h(
      'section',
      { class: 'status-page' },
      h('h1', {}, 'Page not found'),
      h('p', {}, 'Nothing lives at ', h('code', {}, path), '.'),
      h('p', {}, link('/', 'Back to the front page')),
    ),
  };
}

export function goneView(): View {
  return {
    head: { title: 'This page is gone', description: 'This page was removed and will not come back.', status: 404 },
    node: h(
      'section',
      { class: 'status-page' },
      h('h1', {}, 'This page is gone'),
      h('p', {}, 'We retired this page. The articles it listed are on the front page.'),
      h('p', {}, link('/', 'Go to the front page')),
    ),
  };
}

/** Seconds a human sees the "moved" notice before the app follows the move itself. */
const MOVED_DELAY_MS = 2000;

export function movedView(to: string): View {
  return {
    head: {
      title: 'This page has moved',
      description: `This page now lives at ${to}.`,
      status: 301,
      headers: [`Location: ${to}`],
    },
    node: h(
      'section',
      { class: 'status-page' },
      h('h1', {}, 'This page has moved'),
      h('p', {}, 'It now lives at ', link(to, to, { class: 'moved-link' }), '. Taking you there…'),
    ),
    afterRender(navigate) {
      const from = location.pathname;
      setTimeout(() => {
        if (location.pathname === from) navigate(to, { replace: true });
      }, MOVED_DELAY_MS);
    },
  };
}

export function errorView(): View {
  return {
    head: { title: 'Something went wrong', description: 'This page failed to load.', status: 500 },
    node: h(
      'section',
      { class: 'status-page' },
      h('h1', {}, 'Something went wrong'),
      h('p', {}, 'This page failed to load. Reloading usually helps.'),
    ),
  };
}
