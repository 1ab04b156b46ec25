/** Creating and changing links through the real shortener, as a client would. */
import { env } from 'cloudflare:test';
import { TOKEN } from './token.ts';

export interface CreatedLink {
  code: string;
  url: string;
  shortUrl: string;
}

export async function shortener(method: string, path: string, body?: unknown): Promise<Response> {
  return env.SHORTENER.fetch(`https://shortener.test${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

export async function createLink(body: Record<string, unknown>): Promise<CreatedLink> {
  const res = await shortener('POST', '/api/links', body);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return res.json<CreatedLink>();
}
