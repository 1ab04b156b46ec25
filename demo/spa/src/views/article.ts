/**
 * The article reader: the title and Markdown body come from the demo content API
 * (`GET /_content/article/<id>`, same origin: the edge forwards it), rendered by `marked` with code
 * blocks highlighted by highlight.js. Loaded as its own chunk on the first article view.
 */
import hljs from 'highlight.js/lib/common';
import 'highlight.js/styles/github.css';
import { Marked } from 'marked';
import { articleRef, MAX_ARTICLE_ID, TOPIC_TITLES, type ArticleRef } from '../content/catalog.ts';
import { h, link } from '../dom.ts';
import type { View } from '../router.ts';
import { errorView, notFoundView } from './status.ts';

const CONTENT_TIMEOUT_MS = 5000;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const markdown = new Marked({
  gfm: true,
  renderer: {
    // The body is edited through the content API: raw HTML in it is shown as text, never run.
    html({ text }) {
      return escapeHtml(text);
    },
    code({ text, lang }) {
      const language = lang && hljs.getLanguage(lang) ? lang : undefined;
      const highlighted = language ? hljs.highlight(text, { language }) : hljs.highlightAuto(text);
      return `<pre><code class="hljs language-${highlighted.language ?? 'plaintext'}">${highlighted.value}</code></pre>\n`;
    },
  },
});

/** What the content API answers for an article (demo/content/). */
interface ArticleContent {
  title: string;
  body: string;
  published: string;
}

async function loadArticle(id: number): Promise<ArticleContent | null> {
  const response = await fetch(`/_content/article/${id}`, {
    signal: AbortSignal.timeout(CONTENT_TIMEOUT_MS),
    headers: { Accept: 'application/json' },
  });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`content API answered ${response.status}`);
  const { title, body, published } = (await response.json()) as Partial<ArticleContent>;
  if (typeof title !== 'string' || typeof body !== 'string' || typeof published !== 'string') throw new Error('malformed article');
  return { title, body, published };
}

export async function articleView(rawId: string): Promise<View> {
  const ref = articleRef(rawId);
  if (!ref) return notFoundView(`/article/${rawId}`);
  let article: ArticleContent | null;
  try {
    article = await loadArticle(ref.id);
  } catch {
    return errorView();
  }
  if (!article) return notFoundView(`/article/${rawId}`);
  const body = document.createElement('div');
  body.className = 'article-body';
  body.innerHTML = markdown.parse(article.body, { async: false });
  const { title, published } = article;
  return {
    head: { title, description: `${title}: Edge Notes article ${ref.id}, published ${published}.` },
    node: h(
      'article',
      { class: 'article', 'data-article-id': String(ref.id) },
      h('h1', {}, title),
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

function readingMinutes(text: string): number {
  return Math.max(1, Math.round(text.split(/\s+/).length / 220));
}
