/** The links API: routes and their handlers. Decisions live in schema.ts, links.ts and the Durable Objects. */
import { Hono, type Context } from 'hono';
import { readJson } from '../../../shared/http/body.ts';
import { badRequest, methodNotAllowed, notFound } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { CODE_PATTERN } from '../../../shared/links/code.ts';
import { createAll } from './bulk.ts';
import { shortenerConfig } from './config.ts';
import { rateLimitPerToken, requireToken, spend, type ShortenerContext } from './guard.ts';
import { withIdempotency } from './idempotent.ts';
import { LinkStore, gone } from './links.ts';
import { MAX_BULK, bulkSchema, listQuerySchema } from './schema.ts';
import { linkView } from './view.ts';

/** A link body is a URL and a few fields; a bulk body is at most 100 of them. */
const ONE_BODY_LIMIT = 16 * 1024;
const BULK_BODY_LIMIT = MAX_BULK * ONE_BODY_LIMIT;
/** Items of one bulk call created at once (each is a Durable Object call and a KV write). */
const BULK_CONCURRENCY = 8;

type Ctx = Context<ShortenerContext>;

export const app = new Hono<ShortenerContext>();
app.onError(withOnError());
app.notFound(withNotFound());
app.use('/api/*', requireToken(), rateLimitPerToken());

app.post('/api/links', async (c) => {
  const body = await readJson(c.req.raw, ONE_BODY_LIMIT);
  const answer = await withIdempotency(c, body, () => createOne(c, body));
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (answer.status === 201) headers.Location = `/api/links/${(answer.body as { code: string }).code}`;
  if (answer.replayed) headers['Idempotent-Replayed'] = 'true';
  return c.json(answer.body, answer.status as 201, headers);
});

app.post('/api/links/bulk', async (c) => {
  const { links } = parseInput(bulkSchema, await readJson(c.req.raw, BULK_BODY_LIMIT));
  // Each link counts against the token's rate limit; the request itself already spent one unit.
  await spend(c, links.length - 1);
  const results = await createAll(links, BULK_CONCURRENCY, async (body, index) => (await createOne(c, body, `links.${index}`)).body);
  return c.json({ results }, 200, { 'Cache-Control': 'no-store' });
});

app.get('/api/links', async (c) => {
  const query = parseInput(listQuerySchema, c.req.query());
  const page = await store(c).list(query.cursor, query.limit);
  return c.json({ links: page.links.map((r) => linkView(r, shortenerConfig(c.env).shortBaseUrl)), cursor: page.cursor }, 200, {
    'Cache-Control': 'no-store',
  });
});

app.get('/api/links/:code', async (c) => {
  const code = codeParam(c);
  const links = store(c);
  const [record, clicks] = await Promise.all([links.get(code), links.clicks(code)]);
  if (record === null) throw notFound(`no link "${code}"`);
  if (record.deletedAt !== undefined) throw gone(code);
  return c.json(linkView(record, shortenerConfig(c.env).shortBaseUrl, clicks), 200, { 'Cache-Control': 'no-store' });
});

app.patch('/api/links/:code', async (c) => {
  const code = codeParam(c);
  const changes = parseInput(shortenerConfig(c.env).changeSchema, await readJson(c.req.raw, ONE_BODY_LIMIT));
  const record = await store(c).change(code, changes, new Date());
  return c.json(linkView(record, shortenerConfig(c.env).shortBaseUrl), 200, { 'Cache-Control': 'no-store' });
});

app.delete('/api/links/:code', async (c) => {
  await store(c).remove(codeParam(c), new Date());
  return c.body(null, 204);
});

app.all('/api/links', () => {
  throw methodNotAllowed(['GET', 'POST']);
});
app.all('/api/links/bulk', () => {
  throw methodNotAllowed(['POST']);
});
app.all('/api/links/:code', () => {
  throw methodNotAllowed(['GET', 'PATCH', 'DELETE']);
});

async function createOne(c: Ctx, body: unknown, prefix = ''): Promise<{ status: 201; body: ReturnType<typeof linkView> }> {
  const input = parseInput(shortenerConfig(c.env).createSchema, body, { prefix });
  const record = await store(c).create(input, new Date());
  return { status: 201, body: linkView(record, shortenerConfig(c.env).shortBaseUrl) };
}

function store(c: Ctx): LinkStore {
  return new LinkStore(c.env.LINKS, c.env.LINK_AUTHORITY);
}

function codeParam(c: Ctx): string {
  const code = c.req.param('code') ?? '';
  if (!CODE_PATTERN.test(code)) throw badRequest('invalid_code', 'code may hold only letters, digits, "-" and "_"', { field: 'code' });
  return code;
}
