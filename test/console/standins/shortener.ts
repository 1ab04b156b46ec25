/** The shortener's operator API, stood in: links in memory, clicks by kind, QR codes, CSV import and export. */
import { randomCode, slugProblem } from '../../../shared/links/code.ts';
import { checkDestination } from '../../../shared/links/url.ts';
import type { ClickStats } from '../../../shared/operator/clicks.ts';
import type { ImportResult, LinkView } from '../../../shared/operator/links.ts';
import { errorJson, json, wave, window } from './support.ts';

const SHORT_BASE = 'http://localhost:8790';
const POLICY = { shortHosts: ['localhost'], blockedHosts: [] };

export interface ShortenerData {
  links: Map<string, LinkView>;
  /** Idempotency keys of imported rows: the same row imported twice creates nothing twice. */
  imported: Map<string, string>;
}

function view(code: string, url: string, title: string | null, at: string, extra: Partial<LinkView> = {}): LinkView {
  return { code, url, shortUrl: `${SHORT_BASE}/${code}`, status: 301, title, expiresAt: null, createdAt: at, updatedAt: at, ...extra };
}

export function shortenerData(): ShortenerData {
  const at = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const seed = [
    view('spring-sale', 'https://shop.example.com/sale/spring?utm_source=mail', 'Spring sale', at(1)),
    view('docs-home', 'https://docs.example.com/', 'Documentation', at(3)),
    view('Ab3x9kPq', 'https://example.com/article/1', null, at(5), { status: 302 }),
    view('launch', 'https://blog.example.com/launch-2026', 'Launch post', at(8), {
      expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    }),
    view('careers', 'https://jobs.example.com/', 'Careers', at(13)),
  ];
  return { links: new Map(seed.map((l) => [l.code, l])), imported: new Map() };
}

export function answerShortener(data: ShortenerData, method: string, url: URL, body: string, headers: Headers): Response | null {
  const path = url.pathname;
  if (path === '/api/links' && method === 'GET') return list(data, url);
  if (path === '/api/links' && method === 'POST') return create(data, parseBody(body));
  if (path === '/api/links.csv' && method === 'GET') return exportCsv(data, url.searchParams.get('q') ?? '');
  if (path === '/api/links.csv' && method === 'POST') {
    if (!(headers.get('Content-Type') ?? '').startsWith('text/csv')) {
      return errorJson(415, 'unsupported_media_type', 'send the file as text/csv', 'Content-Type');
    }
    return importCsv(data, body);
  }
  const match = /^\/api\/links\/([A-Za-z0-9_-]+)(\/clicks|\/qr)?$/.exec(path);
  if (match === null) return null;
  const [, code = '', sub] = match;
  const link = data.links.get(code);
  if (link === undefined) return errorJson(404, 'not_found', `no link "${code}"`);
  if (sub === '/clicks' && method === 'GET') return json(clicks(code, url));
  if (sub === '/qr' && method === 'GET') return qr(link, url.searchParams.get('format') ?? 'svg');
  if (sub !== undefined) return null;
  if (method === 'GET') return json(link);
  if (method === 'PATCH') return change(data, link, parseBody(body));
  if (method === 'DELETE') {
    data.links.delete(code);
    return new Response(null, { status: 204 });
  }
  return null;
}

function parseBody(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function list(data: ShortenerData, url: URL): Response {
  const q = (url.searchParams.get('q') ?? '').toLowerCase();
  const limit = Number(url.searchParams.get('limit') ?? '50');
  const start = Number(url.searchParams.get('cursor') ?? '0');
  if (!Number.isInteger(start) || start < 0) return errorJson(400, 'invalid_cursor', 'cursor is not valid', 'cursor');
  const all = [...data.links.values()]
    .filter((l) => q === '' || [l.code, l.url, l.title ?? ''].some((s) => s.toLowerCase().includes(q)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const page = all.slice(start, start + limit);
  return json({ links: page, cursor: start + limit < all.length ? String(start + limit) : null });
}

interface Refusal {
  status: number;
  code: string;
  field: string;
  message: string;
}
type Checked = { ok: true; link: LinkView } | ({ ok: false } & Refusal);

const refused = (r: Refusal) => errorJson(r.status, r.code, r.message, r.field);

function validated(data: ShortenerData, input: Record<string, unknown> | null, existing?: LinkView): Checked {
  const fail = (status: number, code: string, field: string, message: string): Checked => ({
    ok: false,
    status,
    code,
    field,
    message: `${field}: ${message}`,
  });
  if (input === null) return { ok: false, status: 400, code: 'invalid_json', field: 'body', message: 'body is not valid JSON' };
  const next: LinkView = existing ? { ...existing } : view('', '', null, new Date().toISOString());
  if (existing === undefined || input.url !== undefined) {
    if (typeof input.url !== 'string') return fail(400, 'invalid_input', 'url', 'is required');
    const check = checkDestination(input.url, POLICY);
    if (!check.ok) return fail(400, 'invalid_input', 'url', check.reason);
    next.url = check.url;
  }
  if (existing === undefined) {
    if (input.slug !== undefined) {
      const problem = typeof input.slug === 'string' ? slugProblem(input.slug) : 'must be a string';
      if (problem !== null) return fail(400, 'invalid_input', 'slug', problem);
      if (data.links.has(input.slug as string))
        return { ok: false, status: 409, code: 'slug_taken', field: 'slug', message: `slug "${String(input.slug)}" is already taken` };
      next.code = input.slug as string;
    } else next.code = randomCode();
    next.shortUrl = `${SHORT_BASE}/${next.code}`;
  }
  if (input.status !== undefined) {
    if (![301, 302, 307, 308].includes(input.status as number))
      return fail(400, 'invalid_input', 'status', 'must be one of 301, 302, 307, 308');
    next.status = input.status as number;
  }
  if (input.expiresAt !== undefined) {
    if (input.expiresAt !== null && (typeof input.expiresAt !== 'string' || !(Date.parse(input.expiresAt) > Date.now()))) {
      return fail(400, 'invalid_input', 'expiresAt', 'must be in the future');
    }
    next.expiresAt = input.expiresAt as string | null;
  }
  if (input.title !== undefined) next.title = (input.title as string | null) || null;
  next.updatedAt = new Date().toISOString();
  return { ok: true, link: next };
}

function create(data: ShortenerData, input: Record<string, unknown> | null): Response {
  const checked = validated(data, input);
  if (!checked.ok) return refused(checked);
  data.links.set(checked.link.code, checked.link);
  return json(checked.link, 201);
}

function change(data: ShortenerData, link: LinkView, input: Record<string, unknown> | null): Response {
  const checked = validated(data, input, link);
  if (!checked.ok) return refused(checked);
  data.links.set(link.code, checked.link);
  return json(checked.link);
}

function clicks(code: string, url: URL): ClickStats {
  const { bucket, from, to, starts } = window(url);
  const series = starts.map((t, i) => {
    const last = i === starts.length - 1;
    return {
      t: new Date(t).toISOString(),
      human: last ? 5 : wave(i, 1, 6),
      bot: last ? 3 : wave(i + 2, 0, 3),
      preview: i % 5 === 0 ? 1 : 0,
      scanner: i % 7 === 0 ? 2 : 0,
      head: i % 11 === 0 ? 1 : 0,
    };
  });
  const sum = (k: 'human' | 'bot' | 'preview' | 'scanner' | 'head') => series.reduce((n, s) => n + s[k], 0);
  return {
    code,
    bucket,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    totals: { human: sum('human'), bot: sum('bot'), preview: sum('preview'), scanner: sum('scanner'), head: sum('head') },
    series,
    referrers: [
      { name: 'news.ycombinator.com', n: 12 },
      { name: 'mail.example.org', n: 4 },
    ],
    countries: [
      { name: 'DE', n: 9 },
      { name: 'US', n: 7 },
      { name: 'FR', n: 2 },
    ],
    qrScans: 3,
  };
}

/** A fixed 1x1 PNG and a small SVG: the stand-in answers the shape, the real shortener the QR code. */
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=='), (c) =>
  c.charCodeAt(0),
);

function qr(link: LinkView, format: string): Response {
  if (format === 'png') return new Response(PNG, { headers: { 'Content-Type': 'image/png' } });
  const cells = [...link.code]
    .map((c, i) => `<rect x="${(i % 5) * 4 + 4}" y="${Math.floor(i / 5) * 4 + 4}" width="${(c.charCodeAt(0) % 3) + 2}" height="3"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" width="290" height="290"><rect width="29" height="29" fill="#fff"/><g fill="#000"><rect x="1" y="1" width="7" height="7"/><rect x="21" y="1" width="7" height="7"/><rect x="1" y="21" width="7" height="7"/>${cells}</g></svg>`;
  return new Response(svg, { headers: { 'Content-Type': 'image/svg+xml' } });
}

const COLUMNS = ['url', 'slug', 'status', 'title', 'expiresAt'] as const;

function exportCsv(data: ShortenerData, q: string): Response {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = [...data.links.values()]
    .filter((l) => q === '' || [l.code, l.url, l.title ?? ''].some((s) => s.toLowerCase().includes(q.toLowerCase())))
    .map((l) => [l.url, l.code, String(l.status), l.title ?? '', l.expiresAt ?? ''].map(quote).join(','));
  return new Response(`${COLUMNS.join(',')}\n${rows.map((r) => `${r}\n`).join('')}`, {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="links.csv"' },
  });
}

/** A plain CSV (a header naming the columns, no quoted commas): enough to stand in for the shortener's import. */
function importCsv(data: ShortenerData, text: string): Response {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (!header.includes('url')) return errorJson(400, 'invalid_csv', 'line 1: the header must name a "url" column', 'header');
  const results: ImportResult['results'] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (index === 0 || raw.trim() === '') return;
    const cells = raw.split(',');
    const replay = data.imported.get(raw);
    if (replay !== undefined) {
      results.push({ line, status: 201, link: data.links.get(replay), replayed: true });
      return;
    }
    const cell = (name: string) => cells[header.indexOf(name)] ?? '';
    const checked = validated(data, {
      url: cell('url'),
      ...(cell('slug') && { slug: cell('slug') }),
      ...(cell('status') && { status: Number(cell('status')) }),
      ...(cell('expiresAt') && { expiresAt: cell('expiresAt') }),
      ...(cell('title') && { title: cell('title') }),
    });
    if (!checked.ok) {
      results.push({
        line,
        status: checked.status,
        error: { code: checked.code, message: `line ${line}: ${checked.message}`, field: checked.field },
      });
      return;
    }
    data.links.set(checked.link.code, checked.link);
    data.imported.set(raw, checked.link.code);
    results.push({ line, status: 201, link: checked.link });
  });
  return json({ results });
}
