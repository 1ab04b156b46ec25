/** The front page: the reader's feed from the feed worker, or a friendly state when it is empty or down. */
import { h, link } from '../dom.ts';
import { anonymousUserId, loadFeed, type Feed } from '../feed.ts';
import type { View } from '../router.ts';
import { articleSummaries } from '../content/catalog.ts';

export async function homeView(): Promise<View> {
  let feed: Feed | null = null;
  try {
    feed = await loadFeed('home', anonymousUserId());
  } catch (error) {
    console.warn('feed unavailable', error);
  }
  return {
    head: { title: 'Edge Notes', description: 'Your front page: field notes on serving web apps at the edge.' },
    node: h(
      'section',
      { class: 'home' },
      h('h1', {}, 'Your front page'),
      feed ? feedSection(feed) : unavailable(),
      h('h2', {}, 'From the archive'),
      h('ul', { class: 'archive' }, ...articleSummaries(6).map((a) => h('li', {}, link(`/article/${a.id}`, a.title)))),
    ),
  };
}

function feedSection(feed: Feed): Node {
  if (feed.items.length === 0) {
    return h('p', { class: 'feed-empty' }, 'Nothing new for you yet. The archive below is a good place to start.');
  }
  return h(
    'div',
    { class: 'feed', 'data-mode': feed.mode },
    feed.mode === 'degraded' ? h('p', { class: 'feed-note' }, 'Showing popular articles while your recommendations catch up.') : null,
    h(
      'ol',
      { class: 'feed-items' },
      ...feed.items.map((item) =>
        h(
          'li',
          { class: 'feed-item' },
          link(`/article/${encodeURIComponent(item.id)}`, item.title),
          item.summary ? h('p', {}, item.summary) : null,
        ),
      ),
    ),
  );
}

function unavailable(): Node {
  return h('p', { class: 'feed-error', role: 'status' }, 'Your feed could not be loaded right now. The archive below is always here.');
}
