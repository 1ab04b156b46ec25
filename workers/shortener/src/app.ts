/**
 * The links API: routes and their handlers, mounted twice. `publicApp` (the worker's `fetch`) puts
 * every `/api/*` route behind a bearer token and its rate limit; `operatorApp` (the `OperatorApi`
 * entrypoint, reachable only through a service binding) serves the same routes to the console,
 * trusting the operator it names and logging it on every write. Decisions live in schema.ts,
 * links.ts, the Durable Objects and the stores; the OpenAPI document is generated from the routes.
 */
import { Scalar } from '@scalar/hono-api-reference';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { generateSpecs } from 'hono-openapi';
import * as z from 'zod/mini';
import { readJson, readLimited } from '../../../shared/http/body.ts';
import { HttpError, badRequest, methodNotAllowed, notFound } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { integer, parseInput } from '../../../shared/http/validate.ts';
import { perIsolate } from '../../../shared/isolate.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { log } from '../../../shared/log.ts';
import { clickStats as clickStatsSchema } from '../../../shared/operator/clicks.ts';
import { OPERATOR_HEADER, statsQuery } from '../../../shared/operator/common.ts';
import { createAll, failedItem } from './bulk.ts';
import { clickStats, clickTotals, readStore } from './clicks.ts';
import { shortenerConfig } from './config.ts';
import { exportHeader, exportLine, parseImport } from './csv.ts';
import { rateLimitPerToken, requireToken, spend, type ShortenerContext } from './guard.ts';
import { canonicalJson, idempotent, sha256Hex, withIdempotency, type Answer } from './idempotent.ts';
import { LinkStore, gone } from './links.ts';
import { DOCUMENT, documented } from './openapi.ts';
import { QR_FORMATS, QR_SIZE_DEFAULT, QR_SIZE_MAX, QR_SIZE_MIN, qrImage } from './qr.ts';
import { MAX_BULK, bulkSchema, changeSchema, createSchema, listQuerySchema } from './schema.ts';
import { errorSchema, linkPageSchema, linkView, linkViewSchema, shortUrlOf } from './view.ts';

/** A link body is a URL and a few fields; a bulk body is at most 100 of them. */
const ONE_BODY_LIMIT = 16 * 1024;
const BULK_BODY_LIMIT = MAX_BULK * ONE_BODY_LIMIT;
/** Items of one bulk call created at once (each is a Durable Object call and a KV write). */
const BULK_CONCURRENCY = 8;
/** A CSV import: at most this many rows, each spending one unit of the rate limit as it is created. */
export const MAX_IMPORT_ROWS = 1000;
const IMPORT_BODY_LIMIT = 1024 * 1024;
/** Links read from the catalog per page while an export streams. */
const EXPORT_PAGE = 100;

type Ctx = Context<ShortenerContext>;

/** The schemas the document shows: the shapes of the validating ones, with no deployment's hosts. */
const DOC_POLICY = { shortHosts: [], blockedHosts: [] };

const exportQuerySchema = z.strictObject({ q: listQuerySchema.shape.q });
const qrQuerySchema = z.strictObject({
  format: z._default(z.enum(QR_FORMATS, { error: `must be one of ${QR_FORMATS.join(', ')}` }), 'png'),
  size: z._default(z.coerce.number().check(integer(), z.gte(QR_SIZE_MIN), z.lte(QR_SIZE_MAX)), QR_SIZE_DEFAULT),
  tag: z._default(z.enum(['qr', 'none'], { error: 'must be qr or none' }), 'qr'),
});
const importResults = z.object({
  results: z.array(
    z.object({
      line: z.number(),
      status: z.number(),
      link: z.optional(linkViewSchema),
      error: z.optional(errorSchema.shape.error),
      replayed: z.optional(z.boolean()),
    }),
  ),
});
const bulkResults = z.object({
  results: z.array(
    z.object({
      index: z.number(),
      status: z.number(),
      link: z.optional(linkViewSchema),
      error: z.optional(errorSchema.shape.error),
      retryAfter: z.optional(z.number()),
    }),
  ),
});

/** Every `/api` route, with no auth of its own: the two apps below put theirs in front. */
const routes = new Hono<ShortenerContext>();

routes.post(
  '/api/links',
  documented({
    summary: 'Create a link',
    description: 'With `Idempotency-Key`, a retry with the same body answers the first answer again (`Idempotent-Replayed: true`).',
    body: createSchema(DOC_POLICY),
    ok: { status: 201, description: 'the link', schema: linkViewSchema },
    errors: [400, 409, 413, 415, 422, 503],
  }),
  async (c) => {
    const body = await readJson(c.req.raw, ONE_BODY_LIMIT);
    const answer = await withIdempotency(c, body, () => createOne(c, body));
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (answer.status === 201) headers.Location = `/api/links/${(answer.body as { code: string }).code}`;
    if (answer.replayed) headers['Idempotent-Replayed'] = 'true';
    return c.json(answer.body, answer.status as 201, headers);
  },
);

routes.post(
  '/api/links/bulk',
  documented({
    summary: 'Create up to 100 links',
    description: 'Each item gets its own result, in order; one failing item never fails the others.',
    body: bulkSchema,
    ok: { status: 200, description: 'one result per item', schema: bulkResults },
    errors: [400, 413, 415],
  }),
  async (c) => {
    const { links } = parseInput(bulkSchema, await readJson(c.req.raw, BULK_BODY_LIMIT));
    // Each link counts against the token's rate limit; the request itself already spent one unit.
    await spend(c, links.length - 1);
    const results = await createAll(links, BULK_CONCURRENCY, async (body, index) => (await createOne(c, body, `links.${index}`)).body);
    return c.json({ results }, 200, { 'Cache-Control': 'no-store' });
  },
);

routes.get(
  '/api/links',
  documented({
    summary: 'List and search links',
    description:
      'Live links, newest first. `q` matches a substring of the code, the destination or the title; pass `cursor` back for the next page.',
    query: listQuerySchema,
    ok: { status: 200, description: 'a page of links', schema: linkPageSchema },
    errors: [400, 503],
  }),
  async (c) => {
    const query = parseInput(listQuerySchema, c.req.query());
    const page = await readStore(() => store(c).list(query));
    const base = shortenerConfig(c.env).shortBaseUrl;
    return c.json({ links: page.links.map((r) => linkView(r, base)), cursor: page.cursor }, 200, { 'Cache-Control': 'no-store' });
  },
);

routes.get(
  '/api/links.csv',
  documented({
    summary: 'Export links as CSV',
    description: 'Every live link matching `q`, newest first, in the columns an import reads.',
    query: exportQuerySchema,
    ok: { status: 200, description: 'RFC 4180 CSV with a header row', type: 'text/csv' },
    errors: [400, 503],
  }),
  async (c) => {
    const { q } = parseInput(exportQuerySchema, c.req.query());
    const links = store(c);
    const base = shortenerConfig(c.env).shortBaseUrl;
    // The first page is read before answering, so a store outage is a 503 rather than a cut file.
    let page = await readStore(() => links.list({ ...(q !== undefined && { q }), limit: EXPORT_PAGE }));
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(exportHeader()));
      },
      async pull(controller) {
        controller.enqueue(encoder.encode(page.links.map((r) => exportLine(linkView(r, base))).join('')));
        if (page.cursor === null) return controller.close();
        page = await links.list({ ...(q !== undefined && { q }), cursor: page.cursor, limit: EXPORT_PAGE });
      },
    });
    return c.body(body, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="links.csv"',
      'Cache-Control': 'no-store',
    });
  },
);

routes.post(
  '/api/links.csv',
  documented({
    summary: 'Import links from CSV',
    description: `A header row, then one link per row (at most ${MAX_IMPORT_ROWS}); each row gets its own result with its line number. Rows are idempotent: importing the same file again creates nothing twice (the row's \`key\` column, or a hash of the row, is its Idempotency-Key for 24 hours). Each row spends one unit of the rate limit: rows over it answer 429 and can be imported again later.`,
    rawBody: {
      type: 'text/csv',
      description:
        'columns: url, slug, status, title, expiresAt, appendQuery, immutable, maxAge, rules, previewTitle, previewDescription, previewImage, key',
    },
    ok: { status: 200, description: 'one result per data row', schema: importResults },
    errors: [400, 413, 415],
  }),
  async (c) => {
    if (!/^text\/csv\s*(?:;|$)/i.test(c.req.header('Content-Type') ?? '')) {
      throw new HttpError(415, 'unsupported_media_type', 'send the file as text/csv', { field: 'Content-Type' });
    }
    const text = new TextDecoder().decode(await readLimited(c.req.raw, IMPORT_BODY_LIMIT));
    const rows = parseImport(text, MAX_IMPORT_ROWS);
    const results = [];
    for (const row of rows) {
      if ('problem' in row) {
        const { field, message } = row.problem;
        results.push({
          line: row.line,
          status: 400,
          error: { code: 'invalid_input', message: `line ${row.line}: ${field}: ${message}`, field },
        });
        continue;
      }
      try {
        await spend(c, 1);
        const key = row.key ?? `csv:${await sha256Hex(canonicalJson(row.body))}`;
        const answer = await idempotent(c, key, row.body, () => createOne(c, row.body), 'key');
        results.push(rowResult(row.line, answer));
      } catch (error) {
        const { index: _, ...failed } = failedItem(row.line, error);
        results.push({ line: row.line, ...failed, error: { ...failed.error, message: `line ${row.line}: ${failed.error.message}` } });
      }
    }
    if (rows.length > 0) logWrite(c, 'links.imported', { rows: rows.length, created: results.filter((r) => r.status === 201).length });
    return c.json({ results }, 200, { 'Cache-Control': 'no-store' });
  },
);

routes.get(
  '/api/links/:code',
  documented({
    summary: 'Read a link, with its click totals',
    ok: { status: 200, description: 'the link', schema: linkViewSchema },
    errors: [400, 404, 410, 503],
  }),
  async (c) => {
    const code = codeParam(c);
    const record = await store(c).get(code);
    if (record === null) throw notFound(`no link "${code}"`);
    if (record.deletedAt !== undefined) throw gone(code);
    // The link answers without its counts when the click store is down.
    const clicks = await clickTotals(c.env.LINK_STATS, code).catch(() => undefined);
    return c.json(linkView(record, shortenerConfig(c.env).shortBaseUrl, clicks), 200, { 'Cache-Control': 'no-store' });
  },
);

routes.patch(
  '/api/links/:code',
  documented({
    summary: 'Change a link',
    description: '`null` clears an optional field; `rules` replaces the whole list.',
    body: changeSchema(DOC_POLICY),
    ok: { status: 200, description: 'the link as changed', schema: linkViewSchema },
    errors: [400, 404, 409, 410, 413, 415, 503],
  }),
  async (c) => {
    const code = codeParam(c);
    const changes = parseInput(shortenerConfig(c.env).changeSchema, await readJson(c.req.raw, ONE_BODY_LIMIT));
    const record = await store(c).change(code, changes, new Date());
    logWrite(c, 'links.changed', { code, fields: Object.keys(changes) });
    return c.json(linkView(record, shortenerConfig(c.env).shortBaseUrl), 200, { 'Cache-Control': 'no-store' });
  },
);

routes.delete(
  '/api/links/:code',
  documented({
    summary: 'Delete a link',
    description: 'The code answers 410 from then on and is never handed out again.',
    ok: { status: 204, description: 'deleted (also when it already was)' },
    errors: [400, 404, 503],
  }),
  async (c) => {
    const code = codeParam(c);
    await store(c).remove(code, new Date());
    logWrite(c, 'links.deleted', { code });
    return c.body(null, 204);
  },
);

routes.get(
  '/api/links/:code/clicks',
  documented({
    summary: 'Clicks of a link over time, by kind',
    description: 'Also answers for a deleted link (its history stays). Counts appear within seconds of the click.',
    query: statsQuery,
    ok: { status: 200, description: 'the clicks', schema: clickStatsSchema },
    errors: [400, 404, 503],
  }),
  async (c) => {
    const code = codeParam(c);
    const query = parseInput(statsQuery, c.req.query());
    if ((await store(c).get(code)) === null) throw notFound(`no link "${code}"`);
    return c.json(await clickStats(c.env.LINK_STATS, code, query), 200, { 'Cache-Control': 'no-store' });
  },
);

routes.get(
  '/api/links/:code/qr',
  documented({
    summary: 'The QR code of a short URL',
    description:
      'With `tag=qr` (the default) the code holds the short URL with `?utm_source=qr`, so scans are counted apart (`qrScans`) and reach the destination tagged.',
    query: qrQuerySchema,
    ok: { status: 200, description: 'the QR code', type: 'image/png' },
    errors: [400, 404, 410, 503],
  }),
  async (c) => {
    const code = codeParam(c);
    const { format, size, tag } = parseInput(qrQuerySchema, c.req.query());
    const record = await store(c).get(code);
    if (record === null) throw notFound(`no link "${code}"`);
    if (record.deletedAt !== undefined) throw gone(code);
    const url = shortUrlOf(code, shortenerConfig(c.env).shortBaseUrl) + (tag === 'qr' ? '?utm_source=qr' : '');
    const image = qrImage(url, format, size);
    return new Response(image.body, {
      headers: {
        'Content-Type': image.type,
        'Content-Disposition': `inline; filename="${code}.${format}"`,
        'Cache-Control': 'private, max-age=3600',
      },
    });
  },
);

routes.all('/api/links', () => {
  throw methodNotAllowed(['GET', 'POST']);
});
routes.all('/api/links.csv', () => {
  throw methodNotAllowed(['GET', 'POST']);
});
routes.all('/api/links/bulk', () => {
  throw methodNotAllowed(['POST']);
});
routes.all('/api/links/:code', () => {
  throw methodNotAllowed(['GET', 'PATCH', 'DELETE']);
});
routes.all('/api/links/:code/clicks', () => {
  throw methodNotAllowed(['GET']);
});
routes.all('/api/links/:code/qr', () => {
  throw methodNotAllowed(['GET']);
});

/** The worker's own `fetch`: the document and its page are open, every other route needs a token. */
export const publicApp = new Hono<ShortenerContext>();
publicApp.onError(withOnError());
publicApp.notFound(withNotFound());
publicApp.get(
  '/api/openapi.json',
  documented({
    summary: 'This document (OpenAPI 3.1)',
    open: true,
    ok: { status: 200, description: 'the document', type: 'application/json' },
    errors: [],
  }),
  async (c) => c.json(await openApiDocument(c.env), 200, { 'Cache-Control': 'public, max-age=300' }),
);
publicApp.get(
  '/api/docs',
  documented({
    summary: 'The API reference page (Scalar)',
    open: true,
    ok: { status: 200, description: 'an HTML page', type: 'text/html' },
    errors: [],
  }),
  Scalar({ url: '/api/openapi.json', pageTitle: 'Short links API' }),
);
publicApp.use('/api/*', requireToken(), rateLimitPerToken());
publicApp.route('/', routes);

/**
 * The `OperatorApi` entrypoint's app: the same routes with no token (a service binding is the
 * caller's credential), the operator from `X-Operator` (trusted only here), and a rate limit per
 * operator. Never mounted on the worker's public `fetch`.
 */
export const operatorApp = new Hono<ShortenerContext>();
operatorApp.onError(withOnError());
operatorApp.notFound(withNotFound());
operatorApp.get('/api/openapi.json', async (c) => c.json(await openApiDocument(c.env), 200, { 'Cache-Control': 'no-store' }));
operatorApp.use('/api/*', operatorIdentity());
operatorApp.route('/', routes);

function operatorIdentity(): MiddlewareHandler<ShortenerContext> {
  return async function operatorIdentity(c, next) {
    const operator = (c.req.header(OPERATOR_HEADER) ?? '').trim().slice(0, 200) || 'console';
    c.set('operator', operator);
    c.set('tokenId', `operator:${operator}`);
    await spend(c, 1);
    await next();
  };
}

/** One log line per write, naming the operator when the console made it. */
function logWrite(c: Ctx, event: string, fields: Record<string, unknown>): void {
  const operator = c.get('operator');
  log('info', event, { ...fields, ...(operator !== undefined ? { operator } : { token: c.get('tokenId') }) });
}

async function createOne(c: Ctx, body: unknown, prefix = ''): Promise<Answer & { status: 201; body: ReturnType<typeof linkView> }> {
  const input = parseInput(shortenerConfig(c.env).createSchema, body, { prefix });
  const record = await store(c).create(input, new Date());
  logWrite(c, 'links.created', { code: record.code });
  return { status: 201, body: linkView(record, shortenerConfig(c.env).shortBaseUrl) };
}

/** A row's result from its (maybe replayed) answer; an error's message starts with the row's line. */
function rowResult(line: number, answer: Answer) {
  const body = answer.body as { error?: { message: string } };
  const error = body.error === undefined ? undefined : { ...body.error, message: `line ${line}: ${body.error.message}` };
  return {
    line,
    status: answer.status,
    ...(answer.status === 201 ? { link: answer.body } : { error }),
    ...(answer.replayed && { replayed: true }),
  };
}

function store(c: Ctx): LinkStore {
  return new LinkStore(c.env.LINK_AUTHORITY, c.env.LINK_STATS);
}

function codeParam(c: Ctx): string {
  const code = c.req.param('code') ?? '';
  if (!CODE_PATTERN.test(code)) throw badRequest('invalid_code', 'code may hold only letters, digits, "-" and "_"', { field: 'code' });
  return code;
}

/** The document, generated once per isolate. */
const openApiDocument = perIsolate((_env: ShortenerEnv) =>
  generateSpecs(publicApp, { documentation: DOCUMENT, defaultValidationErrorResponse: false, excludeStaticFile: false }),
);
