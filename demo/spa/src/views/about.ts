import { h, link } from '../dom.ts';
import type { View } from '../router.ts';

export function aboutView(): View {
  return {
    head: {
      title: 'About',
      description: 'Edge Notes is a small publication about serving single-page apps from Cloudflare Workers.',
    },
    node: h(
      'article',
      { class: 'about' },
      h('h1', {}, 'About Edge Notes'),
      h(
        'p',
        {},
        'Edge Notes is a small publication about running single-page apps behind Cloudflare Workers: ',
        'precompressed assets, prerendering for crawlers, short links and feeds that survive their backends.',
      ),
      h(
        'p',
        {},
        'Everything on this site is rendered in your browser by JavaScript. Crawlers get the same pages ',
        'prerendered by the edge.',
      ),
      h('h2', {}, 'Where to start'),
      h('ul', {}, h('li', {}, link('/article/1', 'The newest article')), h('li', {}, link('/', 'Your front page feed'))),
    ),
  };
}
