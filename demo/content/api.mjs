// The demo content API: the articles of the demo SPA, with validators, editable, so the whole
// "content changed -> snapshot updated" path runs locally. Mounted by the demo services server (8793).
//
//   GET  /_content/article/<id>   { id, title, body (Markdown), published, updatedAt } with ETag and
//                                 Last-Modified; If-None-Match / If-Modified-Since answer 304 (RFC 9110 §13)
//   POST /_content                { "article": <id>, "title"?: "...", "body"?: "..." } edits an article
//                                 (at least one of title and body); 400 / 404 JSON for bad input
//
// An article is generated from its id (demo/spa/src/content/articles.ts) until it is edited; edits
// live in memory for the life of the process.
import { createHash } from 'node:crypto';
import { generatedArticle } from '../spa/src/content/articles.ts';

/**
 * @typedef {import('../spa/src/content/articles.ts').ArticleContent & { updatedAt: string }} Article
 * @typedef {{ handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL): Promise<boolean>,
 *   article(id: number): Article | null, edits: number }} ContentApi
 */

export const MAX_TITLE_LENGTH = 200;
export const MAX_BODY_LENGTH = 100_000;
const MAX_REQUEST_BYTES = 256 * 1024;
/** When the generated articles were last changed (their Last-Modified until edited). */
const GENERATED_AT = new Date(Date.UTC(2026, 10, 1)).toUTCString();
const ARTICLE_PATH = /^\/_content\/article\/([1-9]\d{0,5})$/;

/** @returns {ContentApi} */
export function contentApi() {
  /** @type {Map<number, Article>} */
  const edited = new Map();
  const api = {
    edits: 0,
    /** @param {number} id @returns {Article | null} */
    article(id) {
      const known = edited.get(id);
      if (known) return known;
      const generated = generatedArticle(id);
      return generated && { ...generated, updatedAt: GENERATED_AT };
    },
    /**
     * Answers the request when it is the content API's; false leaves it to the server's other routes.
     * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {URL} url
     */
    async handle(req, res, url) {
      if (url.pathname === '/_content') {
        if (req.method !== 'POST') return send(res, 405, error('method_not_allowed', 'POST an edit to /_content'), { Allow: 'POST' });
        const edit = await parseEdit(req);
        if ('error' in edit) return send(res, edit.status, error(edit.error, edit.message, edit.field));
        const current = api.article(edit.article);
        if (!current) return send(res, 404, error('unknown_article', `no article ${edit.article}`, 'article'));
        /** @type {Article} */
        const next = {
          ...current,
          ...(edit.title !== undefined && { title: edit.title }),
          ...(edit.body !== undefined && { body: edit.body }),
          updatedAt: new Date().toUTCString(),
        };
        edited.set(edit.article, next);
        api.edits++;
        return send(res, 200, next, { ETag: etagOf(next) });
      }
      if (!url.pathname.startsWith('/_content/')) return false;
      const match = ARTICLE_PATH.exec(url.pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, error('method_not_allowed', 'GET an article'), { Allow: 'GET, HEAD' });
      const article = match ? api.article(Number(match[1])) : null;
      if (!article) return send(res, 404, error('unknown_article', `no article at ${url.pathname}`));
      const validators = { ETag: etagOf(article), 'Last-Modified': article.updatedAt, 'Cache-Control': 'no-cache' };
      if (notModified(req, validators.ETag, article.updatedAt)) {
        res.writeHead(304, validators).end();
        return true;
      }
      return send(res, 200, article, validators, req.method === 'HEAD');
    },
  };
  return api;
}

/**
 * RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison); If-Modified-Since only
 * without it. Dates have one-second precision.
 * @param {import('node:http').IncomingMessage} req @param {string} etag @param {string} lastModified
 */
function notModified(req, etag, lastModified) {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    return tags.includes('*') || tags.includes(etag);
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Date.parse(lastModified) <= since;
}

/** A strong validator of what the API answers. @param {Article} article */
function etagOf(article) {
  const digest = createHash('sha256')
    .update(JSON.stringify([article.title, article.body, article.published]))
    .digest('base64url');
  return `"${digest.slice(0, 22)}"`;
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<{ article: number, title?: string, body?: string } | { status: number, error: string, message: string, field?: string }>}
 */
async function parseEdit(req) {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) return { status: 415, error: 'unsupported_media_type', message: 'send application/json' };
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > MAX_REQUEST_BYTES) return { status: 413, error: 'body_too_large', message: `at most ${MAX_REQUEST_BYTES} bytes` };
  }
  /** @type {unknown} */
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return { status: 400, error: 'invalid_json', message: 'body must be JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { status: 400, error: 'invalid_body', message: 'expected a JSON object' };
  const fields = /** @type {Record<string, unknown>} */ (body);
  const unknown = Object.keys(fields).find((key) => !['article', 'title', 'body'].includes(key));
  if (unknown) return { status: 400, error: 'invalid_body', message: `unknown field "${unknown}"`, field: unknown };
  const id = typeof fields.article === 'string' && /^[1-9]\d{0,5}$/.test(fields.article) ? Number(fields.article) : fields.article;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
    return { status: 400, error: 'invalid_body', message: '"article" must be a positive integer id', field: 'article' };
  for (const [field, max] of /** @type {const} */ ([
    ['title', MAX_TITLE_LENGTH],
    ['body', MAX_BODY_LENGTH],
  ])) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '' || value.length > max)
      return { status: 400, error: 'invalid_body', message: `"${field}" must be a non-empty string of at most ${max} characters`, field };
  }
  if (fields.title === undefined && fields.body === undefined)
    return { status: 400, error: 'invalid_body', message: 'give "title", "body" or both', field: 'title' };
  return {
    article: id,
    ...(typeof fields.title === 'string' && { title: fields.title }),
    ...(typeof fields.body === 'string' && { body: fields.body }),
  };
}

/** @param {string} code @param {string} message @param {string} [field] */
function error(code, message, field) {
  return { error: { code, message, ...(field && { field }) } };
}

/**
 * @param {import('node:http').ServerResponse} res @param {number} status @param {unknown} body
 * @param {Record<string, string>} [headers] @param {boolean} [head]
 * @returns {true}
 */
function send(res, status, body, headers = {}, head = false) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(head ? undefined : text);
  return true;
}
