/**
 * Click counting, off the hot path: the handler hands `ClickCounter.count`'s flush to `ctx.waitUntil`, so the
 * redirect never waits for it. Each click goes to Workers Analytics Engine (the record to query in
 * production) and to the link's counters in its `LinkAuthority` object (what `GET /api/links/:code`
 * shows; Analytics Engine cannot be read back locally or from inside a worker).
 *
 * Kinds are counted apart: HEAD requests, link-preview bots (chat apps unfurling a link) and security
 * scanners (mail and URL scanners opening every link) are not people following a link. `isbot` says
 * bot or not; the two short patterns below only sort what isbot already called a bot, so no browser
 * is ever counted as one. (The full `shared/bots` classifier carries a 1,500-entry crawler list, too
 * big for the redirector's 20 KB budget.)
 */
import { isbot } from 'isbot';
import type { ClickCounts, ClickKind, LinkRecord } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';
import type { AuthorityStub } from './env.ts';

const PREVIEW =
  /slackbot|facebookexternalhit|facebookcatalog|twitterbot|discordbot|whatsapp|telegrambot|linkedinbot|skypeuripreview|iframely|embedly|redditbot|pinterest|vkshare|mastodon|bluesky|applebot|snapchat|viber|line-poker|google-pagerenderer|microsoftpreview|teams/i;
const SCANNER =
  /urlscan|virustotal|google-safety|safebrowsing|bitsight|censys|expanse|zgrab|masscan|nuclei|nmap|barracuda|mimecast|proofpoint|safelinks|phishtank|netcraft|checkpoint|fortinet|paloalto|trendmicro|sophos|symantec|scanner/i;

/** What kind of click a request is, from its method and User-Agent. */
export function clickKind(method: string, userAgent: string | null): ClickKind {
  if (method === 'HEAD') return 'head';
  if (userAgent === null || userAgent.trim() === '') return 'bot';
  if (!isbot(userAgent)) return 'human';
  if (SCANNER.test(userAgent)) return 'scanner';
  if (PREVIEW.test(userAgent)) return 'preview';
  return 'bot';
}

export interface ClickSinks {
  analytics: AnalyticsEngineDataset | undefined;
  /** The code's authority stub, looked up lazily so a broken binding cannot break the redirect. */
  authority: (code: string) => Pick<AuthorityStub, 'recordClicks'> | undefined;
}

/** Batches one flush may send before leaving the rest to the next click (waitUntil has a limit). */
const MAX_ROUNDS = 10;

/** A flush older than this is presumed dead (its waitUntil was cut off) and no longer blocks. */
const FLUSH_STALE_MS = 60_000;

interface Pending {
  counts: Partial<ClickCounts>;
  flushing: boolean;
  since: number;
}

/** The doubles of every data point (one click); writeDataPoint copies it, so one array serves all. */
const ONE_CLICK = [1];

/**
 * Counts clicks for one isolate. Analytics Engine gets every click. The authority's counters get
 * batches: the first click on a code starts a flush that waits `flushMs` (CLICK_FLUSH_MS) and sends
 * everything this isolate counted for the code meanwhile, so a hot link costs about one Durable
 * Object call per `flushMs` per isolate, not one per click. An isolate evicted mid-wait loses its
 * batch; Analytics Engine still has every click.
 */
export class ClickCounter {
  readonly #pending = new Map<string, Pending>();
  readonly #sinks: ClickSinks;
  readonly #flushMs: number;

  constructor(sinks: ClickSinks, flushMs: number) {
    this.#sinks = sinks;
    this.#flushMs = flushMs;
  }

  /**
   * Records one click; never throws (counting must not turn into an error anywhere). Answers the
   * flush to hand to `ctx.waitUntil`, or null when this click joined a flush already under way (the
   * common case for a hot link: no promise, no waitUntil).
   */
  count(record: LinkRecord, kind: ClickKind, request: Request, now: number = Date.now()): Promise<void> | null {
    try {
      const analytics = this.#sinks.analytics;
      if (analytics !== undefined) {
        // blobs: code, kind, country, referring host; doubles: count; index: code (the sampling key).
        // Country from the CF-IPCountry header (IP geolocation) rather than `request.cf`, which the
        // runtime builds on first access (see the README's performance notes).
        const country = request.headers.get('CF-IPCountry') ?? '';
        const blobs = [record.code, kind, country, refererHost(request.headers.get('Referer'))];
        analytics.writeDataPoint({ indexes: [record.code], blobs, doubles: ONE_CLICK });
      }
    } catch (error) {
      log('warn', 'redirector.analytics_failed', { code: record.code, error: String(error) });
    }
    let entry = this.#pending.get(record.code);
    if (entry === undefined) {
      entry = { counts: {}, flushing: false, since: 0 };
      this.#pending.set(record.code, entry);
    }
    entry.counts[kind] = (entry.counts[kind] ?? 0) + 1;
    if (entry.flushing && now - entry.since < FLUSH_STALE_MS) return null;
    entry.flushing = true;
    entry.since = now;
    return this.#flush(record.code, entry);
  }

  async #flush(code: string, entry: Pending): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS && Object.keys(entry.counts).length > 0; round++) {
      if (this.#flushMs > 0) await scheduler.wait(this.#flushMs);
      const batch = entry.counts;
      entry.counts = {};
      try {
        await this.#sinks.authority(code)?.recordClicks(batch);
      } catch (error) {
        log('warn', 'redirector.clicks_not_counted', { code, batch, error: String(error) });
      }
    }
    // No await between the last check and here: a click arriving now starts its own flush.
    entry.flushing = false;
    if (Object.keys(entry.counts).length === 0) this.#pending.delete(code);
  }
}

/** Only the host of a referrer is kept: paths and queries may carry personal data. */
function refererHost(referer: string | null): string {
  if (referer === null) return '';
  try {
    return new URL(referer).hostname;
  } catch {
    return '';
  }
}
