/**
 * Client of the feed worker's contract: `GET ${FEED_ORIGIN}/api/feed/<tab>` answers
 * `{ items: [{ id, title, ... }], mode: "live" | "degraded" }` with the header `X-Feed-Mode`. The
 * user is named by a signed token (`Authorization: Bearer`, sign-in.ts); without one the demo
 * falls back to `?user=<id>`, which only a local feed accepts.
 */
import { tokenFor } from './sign-in.ts';

export interface FeedItem {
  id: string;
  title: string;
  summary?: string;
}

export interface Feed {
  items: FeedItem[];
  mode: 'live' | 'degraded';
}

/** Build-time constant: the feed worker's origin (empty string: same origin as the app). */
export const FEED_ORIGIN = (import.meta.env.VITE_FEED_ORIGIN ?? '').replace(/\/$/, '');

const TIMEOUT_MS = 5000;
const USER_KEY = 'edge-notes:user';

/** A stable anonymous id for this browser, so the feed can personalise without an account. */
export function anonymousUserId(): string {
  try {
    const known = localStorage.getItem(USER_KEY);
    if (known) return known;
    const fresh = `anon-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(USER_KEY, fresh);
    return fresh;
  } catch {
    return 'anonymous'; // storage disabled: an unpersonalised feed is fine
  }
}

export async function loadFeed(tab: string, user: string): Promise<Feed> {
  const token = await tokenFor(user);
  const path = `${FEED_ORIGIN}/api/feed/${encodeURIComponent(tab)}`;
  const url = token ? path : `${path}?user=${encodeURIComponent(user)}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers });
  if (!response.ok) throw new Error(`feed answered ${response.status}`);
  return parseFeed(await response.json(), response.headers.get('X-Feed-Mode'));
}

/** Keeps only well-formed items: a feed is remote input, not trusted structure. */
export function parseFeed(body: unknown, modeHeader: string | null): Feed {
  const raw = (body as { items?: unknown; mode?: unknown } | null) ?? {};
  const items = Array.isArray(raw.items) ? raw.items : [];
  const mode = (modeHeader ?? raw.mode) === 'degraded' ? 'degraded' : 'live';
  return {
    mode,
    items: items.flatMap((item): FeedItem[] => {
      const { id, title, summary } = (item ?? {}) as Record<string, unknown>;
      if ((typeof id !== 'string' && typeof id !== 'number') || typeof title !== 'string') return [];
      return [{ id: String(id), title, ...(typeof summary === 'string' ? { summary } : {}) }];
    }),
  };
}
