// The OperatorApi entrypoint: the console's way in, through a service binding, without a token.
import { createExecutionContext, env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OPERATOR_HEADER } from '../../shared/operator/common.ts';
import worker, { OperatorApi } from '../../workers/shortener/src/index.ts';

afterEach(() => vi.restoreAllMocks());

/** The entrypoint as a service binding `{ entrypoint = "OperatorApi" }` reaches it. */
function operator(request: Request): Promise<Response> {
  return new OperatorApi(createExecutionContext(), env).fetch(request);
}

const json = (method: string, path: string, body: unknown, name = 'ada@example.com') =>
  new Request(`https://shortener.test${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', [OPERATOR_HEADER]: name },
    body: JSON.stringify(body),
  });

describe('OperatorApi', () => {
  it('serves the API routes without a token and logs the operator on every write', async () => {
    const logs = vi.spyOn(console, 'log');
    const created = await operator(
      json('POST', '/api/links', { url: 'https://example.com/console', slug: `op-${crypto.randomUUID().slice(0, 8)}` }),
    );
    expect(created.status).toBe(201);
    const { code } = await created.json<{ code: string }>();
    expect((await operator(json('PATCH', `/api/links/${code}`, { title: 'From the console' }))).status).toBe(200);
    const remove = new Request(`https://shortener.test/api/links/${code}`, {
      method: 'DELETE',
      headers: { [OPERATOR_HEADER]: 'ada@example.com' },
    });
    expect((await operator(remove)).status).toBe(204);
    const events = logs.mock.calls.map(([line]) => JSON.parse(String(line)) as { event: string; operator?: string; code?: string });
    expect(events.filter((e) => e.code === code).map((e) => [e.event, e.operator])).toEqual([
      ['links.created', 'ada@example.com'],
      ['links.changed', 'ada@example.com'],
      ['links.deleted', 'ada@example.com'],
    ]);
  });

  it('answers the same validation errors as the public API', async () => {
    const res = await operator(json('POST', '/api/links', { url: 'ftp://example.com/' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { field: 'url' } });
  });

  it('serves the API document too', async () => {
    const res = await operator(new Request('https://shortener.test/api/openapi.json'));
    expect(((await res.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('is not the public fetch: there, X-Operator is no credential', async () => {
    const res = await worker.fetch(json('POST', '/api/links', { url: 'https://example.com/sneaky' }), env, createExecutionContext());
    expect(res.status).toBe(401);
  });
});
