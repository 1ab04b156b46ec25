/**
 * The demo articles' content as the demo content API serves it (demo/content/): each article's title
 * and Markdown body, generated from its id (the topic's text of topics.ts with numbers filled in),
 * and its publication date. The SPA fetches this from the API; it is not compiled into the bundle.
 */
import { articleRef, type ArticleRef } from './catalog.ts';
import { TOPIC_BODIES } from './topics.ts';

export interface ArticleContent {
  id: number;
  title: string;
  /** Markdown. */
  body: string;
  /** YYYY-MM-DD. */
  published: string;
}

/** The generated content of an article id, or null when no such article exists. */
export function generatedArticle(id: number): ArticleContent | null {
  const ref = articleRef(String(id));
  if (!ref) return null;
  return { id: ref.id, title: ref.title, body: fillPlaceholders(TOPIC_BODIES[ref.topic] ?? '', ref), published: publishedOn(ref.id) };
}

/** Deterministic numbers per article (mulberry32 seeded by the id): the same id always reads the same. */
function numbersFor(id: number): () => number {
  let seed = id * 2654435761;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fillPlaceholders(template: string, ref: ArticleRef): string {
  const next = numbersFor(ref.id);
  const between = (lo: number, hi: number) => Math.round(lo + next() * (hi - lo));
  const identityKb = between(180, 260);
  const gzipKb = Math.round(identityKb * (0.28 + next() * 0.04));
  const values: Record<string, string> = {
    part: String(ref.part),
    identityKb: String(identityKb),
    identityBytes: String(identityKb * 1024 + between(0, 1023)),
    gzipKb: String(gzipKb),
    brKb: String(Math.round(gzipKb * (0.78 + next() * 0.05))),
    samples: between(1_000, 90_000).toLocaleString('en-US'),
    saving: String(between(55, 80)),
    hitRate: String(between(70, 99)),
    ttlHours: String(between(6, 48)),
    p50: String(between(300, 700)),
    p99: String(between(800, 1400)),
    failures: String(between(3, 9)),
    seconds: String(between(20, 90)),
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

export function publishedOn(id: number): string {
  const day = new Date(Date.UTC(2026, 10, 1) - (id - 1) * 3 * 86_400_000);
  return day.toISOString().slice(0, 10);
}
