/**
 * The article reader: the body is Markdown generated from the article id, rendered by `marked`
 * with code blocks highlighted by highlight.js. Loaded as its own chunk on the first article view.
 */
import hljs from 'highlight.js/lib/common';
import 'highlight.js/styles/github.css';
import { Marked } from 'marked';
import { articleRef, MAX_ARTICLE_ID, TOPIC_TITLES, type ArticleRef } from '../content/catalog.ts';
import { TOPIC_BODIES } from '../content/topics.ts';
import { h, link } from '../dom.ts';
import type { View } from '../router.ts';
import { notFoundView } from './status.ts';

const markdown = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }) {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const highlighted = language ? hljs.highlight(text, { language }) : hljs.highlightAuto(text);
      return `<pre><code class="hljs language-${highlighted.language ?? 'plaintext'}">${highlighted.value}</code></pre>\n`;
    },
  },
});

export function articleView(rawId: string): View {
  const ref = articleRef(rawId);
  if (!ref) return notFoundView(`/article/${rawId}`);
  const body = document.createElement('div');
  body.className = 'article-body';
  // The Markdown is our own (topics.ts) with numbers filled in; nothing from the URL reaches it.
  body.innerHTML = markdown.parse(fillPlaceholders(TOPIC_BODIES[ref.topic] ?? '', ref), { async: false });
  const published = publishedOn(ref.id);
  return {
    head: { title: ref.title, description: `${ref.title}: Edge Notes article ${ref.id}, published ${published}.` },
    node: h(
      'article',
      { class: 'article', 'data-article-id': String(ref.id) },
      h('h1', {}, ref.title),
      h('p', { class: 'byline' }, `Article ${ref.id} · ${published} · ${readingMinutes(body.textContent ?? '')} min read`),
      body,
      related(ref),
    ),
  };
}

function related(ref: ArticleRef): Node {
  const ids = [ref.id + 1, ref.id + TOPIC_TITLES.length, ref.id - 1].filter((id) => id >= 1 && id <= MAX_ARTICLE_ID);
  const refs = ids.map((id) => articleRef(String(id))).filter((r): r is ArticleRef => r !== null);
  return h(
    'aside',
    { class: 'related' },
    h('h2', {}, 'Read next'),
    h('ul', {}, ...refs.map((r) => h('li', {}, link(`/article/${r.id}`, r.title)))),
  );
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

function publishedOn(id: number): string {
  const day = new Date(Date.UTC(2026, 10, 1) - (id - 1) * 3 * 86_400_000);
  return day.toISOString().slice(0, 10);
}

function readingMinutes(text: string): number {
  return Math.max(1, Math.round(text.split(/\s+/).length / 220));
}
