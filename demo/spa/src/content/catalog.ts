/**
 * The article catalogue: which ids exist and their titles. Article `n` is part ⌈n / topics⌉ of
 * topic `(n - 1) mod topics`; its body is generated from the id by ../views/article.ts.
 */
export const TOPIC_TITLES = [
  'Precompressed assets at the edge',
  'Conditional requests without tears',
  'Prerendering an SPA for crawlers',
  'Circuit breakers for a flaky recommender',
  'Short links that stay fast',
  'Range requests, explained',
  'Security headers for a single-page app',
  'Measuring what the edge saves',
] as const;

export const MAX_ARTICLE_ID = 240;

export interface ArticleRef {
  id: number;
  topic: number;
  part: number;
  title: string;
}

/** The article for an id from the URL, or null when no such article exists. */
export function articleRef(rawId: string): ArticleRef | null {
  if (!/^[1-9]\d{0,5}$/.test(rawId)) return null;
  const id = Number(rawId);
  if (id > MAX_ARTICLE_ID) return null;
  const topic = (id - 1) % TOPIC_TITLES.length;
  const part = Math.floor((id - 1) / TOPIC_TITLES.length) + 1;
  const base = TOPIC_TITLES[topic] ?? 'Edge Notes';
  return { id, topic, part, title: part === 1 ? base : `${base}, part ${part}` };
}

/** The newest `count` articles, newest (lowest id) first. */
export function articleSummaries(count: number): ArticleRef[] {
  const refs: ArticleRef[] = [];
  for (let id = 1; id <= Math.min(count, MAX_ARTICLE_ID); id++) {
    const ref = articleRef(String(id));
    if (ref) refs.push(ref);
  }
  return refs;
}
