/**
 * Counting clicks, off the hot path: `ClickRecorder.record` only adds to maps and hands back, at
 * most once per flush window, the promise that sends them (to `ctx.waitUntil`); it never throws, so
 * counting can never turn a redirect into an error.
 *
 * - Workers Analytics Engine gets every click at once (`CLICKS`): the raw production record.
 * - The click store gets counts through the events pipeline (shared/events): an `EventBuffer` per
 *   isolate sums them per (link, dim, minute) and sends them to the `link-clicks` queue about once
 *   per `CLICK_FLUSH_MS` (jittered); the shortener rolls them up in its D1 and answers the charts. Stream
 *   `clicks`, key = code, dims: the kind (`human`, `bot`, `preview`, `scanner`, `head`), and for
 *   human clicks `ref:<referring host>`, `country:<CF-IPCountry>` and `src:qr` (opened from the
 *   link's QR code, `?utm_source=qr`). A send that fails is dropped and counted as lost.
 * - The burst rule: a mail scanner opens every link of a message within seconds, from one address,
 *   often with a browser's User-Agent. With `SCANNER_BURST_LINKS` = n > 0, a human click waits
 *   `SCANNER_BURST_MS` in the isolate (`Bursts`); when its address opened n distinct links within
 *   that window, all of that window's clicks from it count as `scanner`, else as `human`. Each click
 *   still counts exactly once. Per isolate: a scanner spread over many isolates is caught only in
 *   those that see n of its links.
 */
import { EventBuffer, type EventQueue } from '../../../shared/events/buffer.ts';
import type { ClickKind } from '../../../shared/links/record.ts';
import { log } from '../../../shared/log.ts';

export const CLICKS_STREAM = 'clicks';

export interface Click {
  code: string;
  kind: ClickKind;
  /** Referring host, or ''. */
  referrer: string;
  /** `CF-IPCountry`, or ''. */
  country: string;
  /** Opened from the link's QR code. */
  qr: boolean;
  /** The client's address (`CF-Connecting-IP`), or null. */
  client: string | null;
}

export interface BurstRule {
  /** Distinct links from one address within `windowMs` that make a scanner; 0: off. */
  links: number;
  windowMs: number;
}

/** The doubles of every data point (one click); writeDataPoint copies it, so one array serves all. */
const ONE_CLICK = [1];
/** Addresses held at once; past it clicks are counted at once, without the burst rule. */
const MAX_HELD = 10_000;
/**
 * Each isolate's flush waits between half and one and a half `CLICK_FLUSH_MS`: a viral link makes
 * every isolate start counting within the same second, and in-step flushes would reach the queue
 * as one burst every `CLICK_FLUSH_MS` (README, "Click counts at fleet scale").
 */
const FLUSH_JITTER = 0.5;
/** Release rounds of one waitUntil (each up to a window long); later clicks start their own. */
const MAX_ROUNDS = 10;

export class ClickRecorder {
  readonly #analytics: AnalyticsEngineDataset | undefined;
  readonly #queue: EventQueue | undefined;
  readonly events: EventBuffer;
  readonly bursts: Bursts;
  #releasing = false;

  constructor(options: {
    analytics: AnalyticsEngineDataset | undefined;
    queue: EventQueue | undefined;
    flushMs: number;
    burst: BurstRule;
  }) {
    this.#analytics = options.analytics;
    this.#queue = options.queue;
    this.events = new EventBuffer({ producer: 'redirector', flushMs: options.flushMs, jitter: FLUSH_JITTER });
    this.bursts = new Bursts(options.burst);
  }

  /** Records one click; answers the work to hand to `ctx.waitUntil`, or null when none is new. */
  record(click: Click, now = Date.now()): Promise<void> | null {
    try {
      // blobs: code, kind, country, referring host; doubles: count; index: code (the sampling key).
      this.#analytics?.writeDataPoint({
        indexes: [click.code],
        blobs: [click.code, click.kind, click.country, click.referrer],
        doubles: ONE_CLICK,
      });
    } catch (error) {
      log('warn', 'redirector.analytics_failed', { code: click.code, error: String(error) });
    }
    try {
      if (click.kind === 'human' && this.bursts.hold(click, now)) {
        if (this.#releasing) return null;
        this.#releasing = true;
        return this.#releaseLoop();
      }
      return this.#count(click, click.kind, now);
    } catch (error) {
      log('warn', 'redirector.click_not_counted', { code: click.code, error: String(error) });
      return null;
    }
  }

  /** Counts one click (or `n` of one) in the event buffer; the buffer's flush when it started one. */
  #count(click: Click, kind: ClickKind, now: number, n = 1): Promise<void> | null {
    const flush = this.events.count(this.#queue, CLICKS_STREAM, click.code, kind, n, now);
    if (kind === 'human') {
      if (click.referrer !== '') this.events.count(this.#queue, CLICKS_STREAM, click.code, `ref:${click.referrer}`, n, now);
      if (click.country !== '') this.events.count(this.#queue, CLICKS_STREAM, click.code, `country:${click.country}`, n, now);
      if (click.qr) this.events.count(this.#queue, CLICKS_STREAM, click.code, 'src:qr', n, now);
    }
    return flush;
  }

  /** Waits out each held window, counts what it held with its final kind, and sends it. */
  async #releaseLoop(): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS && this.bursts.held > 0; round++) {
        await scheduler.wait(Math.max(0, this.bursts.nextDue() - Date.now()));
        const flushes: Promise<void>[] = [];
        for (const { click, kind, n, at } of this.bursts.release(Date.now())) {
          const flush = this.#count(click, kind, at, n);
          if (flush !== null) flushes.push(flush);
        }
        await Promise.all(flushes);
      }
    } catch (error) {
      log('warn', 'redirector.click_release_failed', { error: String(error) });
    } finally {
      this.#releasing = false;
    }
  }
}

interface Held {
  since: number;
  /** Clicks per link, with the dims of the first click of each (same address: same country). */
  links: Map<string, { click: Click; n: number }>;
}

/**
 * The burst rule's memory, with an explicit clock: human clicks held per client address for one
 * window, then released with their kind. Pure bookkeeping, tested without timers.
 */
export class Bursts {
  readonly #rule: BurstRule;
  readonly #held = new Map<string, Held>();
  /** Windows that closed while their address kept clicking: released with the next round. */
  #closed: Held[] = [];

  constructor(rule: BurstRule) {
    this.#rule = rule;
  }

  /** Windows not yet released. */
  get held(): number {
    return this.#held.size + this.#closed.length;
  }

  /** Holds a human click; false when it is not held (rule off, no address, memory full): count it now. */
  hold(click: Click, now: number): boolean {
    if (this.#rule.links <= 0 || click.client === null) return false;
    let entry = this.#held.get(click.client);
    if (entry !== undefined && now - entry.since >= this.#rule.windowMs) {
      this.#closed.push(entry);
      entry = undefined;
    }
    if (entry === undefined) {
      if (this.#held.size >= MAX_HELD) return false;
      entry = { since: now, links: new Map() };
      this.#held.set(click.client, entry);
    }
    const link = entry.links.get(click.code);
    if (link === undefined) entry.links.set(click.code, { click, n: 1 });
    else link.n++;
    return true;
  }

  /** When the oldest held window closes (ms since the epoch), or Infinity with nothing held. */
  nextDue(): number {
    if (this.#closed.length > 0) return 0;
    let due = Infinity;
    for (const entry of this.#held.values()) due = Math.min(due, entry.since + this.#rule.windowMs);
    return due;
  }

  /** Takes out every window that closed by `now`: its clicks per link, as scanner's or human's. */
  release(now: number): { click: Click; kind: ClickKind; n: number; at: number }[] {
    const windows = this.#closed;
    this.#closed = [];
    for (const [client, entry] of this.#held) {
      if (now - entry.since < this.#rule.windowMs) continue;
      this.#held.delete(client);
      windows.push(entry);
    }
    return windows.flatMap((entry) => {
      const kind: ClickKind = entry.links.size >= this.#rule.links ? 'scanner' : 'human';
      return [...entry.links.values()].map(({ click, n }) => ({ click, kind, n, at: entry.since }));
    });
  }
}
