/**
 * One call to the recommender, bounded by the breaker's timeout, and what it came to. The URL is
 * built from the configured origin, a tab from the known list and a validated user id, so no
 * request input can point the worker anywhere else (no SSRF); redirects are not followed.
 */
import * as z from 'zod/mini';
import type { Outcome } from './breaker.ts';
import type { FeedConfig } from './config.ts';

const item = z.looseObject({ id: z.union([z.string().check(z.maxLength(200)), z.number()]), title: z.string().check(z.maxLength(1000)) });
const body = z.looseObject({ items: z.array(item).check(z.maxLength(500)) });

export type FeedItem = z.infer<typeof item>;

export type CallResult =
  | { ok: true; items: FeedItem[]; personalized: boolean; outcome: Outcome }
  /** `outcome` is absent when the answer counts neither way (a 4xx that is not a failure status). */
  | { ok: false; failure: 'timeout' | 'network' | 'status' | 'bad-body'; status?: number; outcome?: Outcome };

export function recommenderFeedUrl(config: FeedConfig, tab: string, user: string | null): URL {
  const url = new URL(
    `feed/${encodeURIComponent(tab)}`,
    config.recommenderUrl.href.endsWith('/') ? config.recommenderUrl : `${config.recommenderUrl.href}/`,
  );
  if (user !== null) url.searchParams.set('user', user);
  return url;
}

export async function callRecommender(
  config: FeedConfig,
  tab: string,
  user: string | null,
  options: { probe?: boolean } = {},
): Promise<CallResult> {
  const started = Date.now();
  const outcome = (failed: boolean, retryAfterMs?: number): Outcome => ({
    at: started,
    failed,
    durationMs: Date.now() - started,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(options.probe ? { probe: true } : {}),
  });
  let response: Response;
  let text: string;
  try {
    // The signal bounds the whole exchange, body included: a recommender that sends headers and
    // then stalls is as hung as one that never answers.
    response = await fetch(recommenderFeedUrl(config, tab, user), {
      headers: { Accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(config.breaker.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, failure: timedOut ? 'timeout' : 'network', outcome: outcome(true) };
  }
  const status = response.status;
  if (status < 200 || status > 299) {
    if (!isFailureStatus(status, config)) return { ok: false, failure: 'status', status };
    return {
      ok: false,
      failure: 'status',
      status,
      outcome: outcome(true, parseRetryAfter(response.headers.get('Retry-After'), Date.now())),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, failure: 'bad-body', status, outcome: outcome(true) };
  }
  const parsed = body.safeParse(json);
  if (!parsed.success) return { ok: false, failure: 'bad-body', status, outcome: outcome(true) };
  const personalized = user !== null && (parsed.data as { personalized?: unknown }).personalized !== false;
  return { ok: true, items: parsed.data.items, personalized, outcome: outcome(false) };
}

export function isFailureStatus(status: number, config: Pick<FeedConfig, 'failureStatuses'>): boolean {
  return config.failureStatuses.some(([lo, hi]) => status >= lo && status <= hi);
}

/**
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns ms from `now`,
 * or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date always names a day or month (IMF-fixdate, RFC 850 or asctime forms).
  if (!/[A-Za-z]{3}/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
