/** Small helpers to call the shortener under test through `SELF`. */
import { SELF } from 'cloudflare:test';

export const BASE = 'https://shortener.test';

export function api(token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  const h = init.headers as Record<string, string>;
  if (token !== null) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    h['Content-Type'] ??= 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  return SELF.fetch(`${BASE}${path}`, init);
}

export interface ErrorJson {
  error: { code: string; message: string; field?: string; issues?: { field: string; message: string }[] };
}

export interface LinkJson {
  code: string;
  url: string;
  shortUrl: string;
  status: number;
  title: string | null;
  expiresAt: string | null;
  appendQuery: boolean;
  immutable: boolean;
  maxAge: number | null;
  clicks?: Record<string, number>;
}
