/** Local sign-in (`npm start`): the form, the session cookie, expiry, sign-out, and what is refused. */
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { cookieOf, forgedSession, ORIGIN, signedIn, signIn, standIn, type ErrorAnswer } from './helpers.ts';

const form = (fields: Record<string, string>, headers: Record<string, string> = { Origin: ORIGIN }) =>
  SELF.fetch(`${ORIGIN}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });

describe('the sign-in page', () => {
  it('is a form posting to /signin with a password input named token', async () => {
    const response = await SELF.fetch(`${ORIGIN}/signin`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('Content-Security-Policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toMatch(/<form method="post" action="\/signin"/);
    expect(html).toMatch(/<label for="token">[^<]+<\/label>\s*<input id="token" name="token" type="password"/);
  });

  it('signs in with dev-token: a session cookie, HttpOnly, SameSite=Strict, for the whole console, with an expiry', async () => {
    const response = await form({ token: 'dev-token', next: '/links/abc' });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/links/abc');
    const cookie = response.headers.get('Set-Cookie') ?? '';
    expect(cookie).toMatch(/^console_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=28800');
    expect(cookie).not.toContain('Secure'); // plain http://localhost
  });

  it('marks the cookie Secure over https', async () => {
    const response = await SELF.fetch('https://localhost:8794/signin', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://localhost:8794' },
      body: new URLSearchParams({ token: 'dev-token' }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('Set-Cookie')).toContain('Secure');
  });

  it('accepts every configured token (a rotation lists the new and the old one)', async () => {
    expect(await signIn('second-token')).toMatch(/^console_session=/);
  });

  it('answers a wrong token with the page again, 401, and no cookie', async () => {
    const response = await form({ token: 'dev-token-but-wrong', next: '/feed' });
    expect(response.status).toBe(401);
    expect(response.headers.get('Set-Cookie')).toBeNull();
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('That token is not valid');
    expect(html).toContain('value="/feed"'); // still going back where the operator was headed
  });

  it('answers a missing token with 400 naming the field', async () => {
    const response = await form({ next: '/links' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('token is required');
  });

  it('refuses a sign-in posted from another origin (another local worker is the same site)', async () => {
    const response = await form({ token: 'dev-token' }, { Origin: 'http://localhost:8787' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorAnswer).error.field).toBe('Origin');
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it('refuses a body that is not a form', async () => {
    const response = await SELF.fetch(`${ORIGIN}/signin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
      body: JSON.stringify({ token: 'dev-token' }),
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as ErrorAnswer).error.field).toBe('Content-Type');
  });

  it('refuses local sign-in on a host that is not loopback (a deploy that forgot AUTH_MODE stays closed)', async () => {
    const response = await SELF.fetch('https://console.example.com/signin', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://console.example.com' },
      body: new URLSearchParams({ token: 'dev-token' }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('Set-Cookie')).toBeNull();
  });

  it.each([
    ['//evil.example/', '/links'],
    ['https://evil.example/', '/links'],
    ['/\\evil.example', '/links'],
    ['/signin?next=/feed', '/links'],
    ['/prerender?range=7d', '/prerender?range=7d'],
  ])('sends next=%j to %s, never to another host', async (next, location) => {
    const response = await form({ token: 'dev-token', next });
    expect(response.headers.get('Location')).toBe(location);
  });
});

describe('a session', () => {
  it('is what /api/session describes, with the CSRF token the UI sends on writes', async () => {
    const client = await signedIn();
    const response = await client.fetch('/api/session');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const session = (await response.json()) as { operator: string; via: string; csrf: string };
    expect(session).toEqual({ operator: 'local', via: 'local', csrf: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it('is required by every screen: a page navigation without one goes to sign-in, with the way back', async () => {
    for (const path of ['/links', '/links/spring-sale', '/prerender', '/feed']) {
      const response = await SELF.fetch(`${ORIGIN}${path}`, {
        redirect: 'manual',
        headers: { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' },
      });
      expect(response.status, path).toBe(303);
      expect(response.headers.get('Location')).toBe(`/signin?next=${encodeURIComponent(path)}`);
    }
  });

  it('once expired, sends the operator back to sign-in, says why, and lets no write through', async () => {
    const expired = await forgedSession(Math.floor(Date.now() / 1000) - 10);
    const page = await SELF.fetch(`${ORIGIN}/links`, { redirect: 'manual', headers: { Cookie: expired, 'Sec-Fetch-Mode': 'navigate' } });
    expect(page.status).toBe(303);
    expect(page.headers.get('Location')).toBe('/signin?next=%2Flinks');
    const signin = await SELF.fetch(`${ORIGIN}/signin?next=%2Flinks`, { headers: { Cookie: expired } });
    expect(await signin.text()).toContain('Your session expired');

    const write = await SELF.fetch(`${ORIGIN}/api/links`, {
      method: 'POST',
      headers: { Cookie: expired, Origin: ORIGIN, 'X-CSRF-Token': 'anything', 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/' }),
    });
    expect(write.status).toBe(401);
    expect(((await write.json()) as ErrorAnswer).error.code).toBe('signed_out');
    expect(await standIn('shortener').seen()).toEqual([]);
  });

  it('signed with another key is not a session', async () => {
    const forged = await forgedSession(Math.floor(Date.now() / 1000) + 3600, 'another-secret-of-32-characters-at-least');
    const response = await SELF.fetch(`${ORIGIN}/api/session`, { headers: { Cookie: forged } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorAnswer).error.message).toContain('not valid');
  });

  it('ends with sign-out (which needs its CSRF token): the cookie is cleared', async () => {
    const client = await signedIn();
    const refused = await client.fetch('/signout', { method: 'POST', headers: { 'X-CSRF-Token': '' }, body: new URLSearchParams({}) });
    expect(refused.status).toBe(403);
    const response = await client.fetch('/signout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': '' },
      body: new URLSearchParams({ csrf: client.csrf }),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/signin?reason=signed-out');
    expect(response.headers.get('Set-Cookie')).toMatch(/^console_session=;.*Max-Age=0/);
    expect(cookieOf(response)).toBe('console_session=');
  });
});
