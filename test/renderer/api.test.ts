/** The HTTP contract before any browser is involved: auth, input validation, origin policy, methods. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

const TOKEN = 'test-render-token'; // vitest.config.ts binds it as the RENDER_TOKEN secret

function post(body: string, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) {
  return SELF.fetch('http://renderer/render', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
}

describe('POST /render input', () => {
  it.each([
    ['no Authorization', {}, 'Bearer'],
    ['a wrong token', { Authorization: 'Bearer not-the-token' }, 'Bearer error="invalid_token"'],
    ['a token prefix', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 'Bearer error="invalid_token"'],
    ['another scheme', { Authorization: `Basic ${TOKEN}` }, 'Bearer'],
  ])('401 with %s', async (_, headers, challenge) => {
    const response = await post(JSON.stringify({ url: 'http://localhost:8787/', device: 'desktop' }), headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe(challenge);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it.each([
    ['not JSON', 'url=http://localhost:8787/', 'invalid_json', 'body'],
    ['no url', JSON.stringify({ device: 'desktop' }), 'invalid_body', 'url'],
    ['a url that is not a string', JSON.stringify({ url: 42 }), 'invalid_body', 'url'],
    ['an unknown device', JSON.stringify({ url: 'http://localhost:8787/', device: 'tablet' }), 'invalid_body', 'device'],
    ['a relative url', JSON.stringify({ url: '/article/1' }), 'invalid_url', 'url'],
    ['a javascript: url', JSON.stringify({ url: 'javascript:alert(1)' }), 'invalid_url', 'url'],
    ['credentials in the url', JSON.stringify({ url: 'http://admin:pw@localhost:8787/' }), 'invalid_url', 'url'],
    ['a url too long', JSON.stringify({ url: `http://localhost:8787/${'a'.repeat(5000)}` }), 'invalid_body', 'url'],
  ])('400 for %s', async (_, body, code, field) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const json = await response.json<{ error: { code: string; field?: string; message: string } }>();
    expect(json.error.code).toBe(code);
    expect(json.error.field).toBe(field);
    expect(json.error.message).not.toMatch(/(^|: )Invalid input$/); // says what was wrong
  });

  it('413 for a body over the limit, read no further than the limit', async () => {
    const response = await post(JSON.stringify({ url: 'http://localhost:8787/', pad: 'x'.repeat(20_000) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large', field: 'body' } });
  });

  it.each([
    'https://evil.example/',
    'http://127.0.0.2:8787/',
    'http://localhost:8788/',
    'http://169.254.169.254/latest/meta-data/',
    'http://localhost:8791/api/feed/home', // allowed as a page's API, never as a page to render
  ])('403 for %s, which is not one of SITE_ORIGINS', async (url) => {
    const response = await post(JSON.stringify({ url, device: 'mobile' }));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'origin_not_allowed', field: 'url' } });
  });

  it('answers 405 with Allow for other methods on /render, 404 elsewhere', async () => {
    const get = await SELF.fetch('http://renderer/render');
    expect(get.status).toBe(405);
    expect(get.headers.get('Allow')).toBe('POST');
    const other = await SELF.fetch('http://renderer/elsewhere');
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});
