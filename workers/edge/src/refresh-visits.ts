/**
 * Most-visited first after a build changed a template: the crawler visits the edge already answers
 * are the visit signal. While a template's pages are being re-rendered for a new build, a visit to
 * one still rendered with the older build leaves a hint (`refresh:visit:<minute>:<index key>`), and
 * the refresh pass renders those hints, oldest first, before the pages its walk meets. A page
 * visited often is visited soon, so the order of first visits is the order of popularity, without
 * keeping a count per page.
 *
 * What it costs a crawler's hit: a field read and a time comparison per request; a KV read of the
 * outdated list (`refresh:outdated`, written by the pass) once a minute per isolate, in the
 * background; and while a template is outdated, one KV write per outdated page an isolate sees
 * visited (at most once per `HINTED_ENTRIES` pages remembered), in the background.
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
import { log } from '../../../shared/log.ts';
import type { Device } from '../../../shared/render/protocol.ts';
import { sampleGroup, templateOf } from './build-check.ts';
import type { CacheKey } from './cache-key.ts';

export const OUTDATED_KEY = 'refresh:outdated';
export const VISIT_PREFIX = 'refresh:visit:';
/** How long an isolate trusts its copy of the outdated list. */
export const OUTDATED_MEMO_MS = 60_000;
/** Pages an isolate remembers having hinted, so a popular page costs one write, not one per visit. */
export const HINTED_ENTRIES = 10_000;
/** A visit hint left unrendered is dropped after this long (the walk meets its page anyway). */
const VISIT_HINT_TTL_SECONDS = 7 * 86_400;

/** The groups (build-check.ts `sampleGroup`) whose snapshots the current build's samples found changed. */
export interface Outdated {
  groups: string[];
}

/** What a visit hint names, kept as its KV metadata so that listing the hints reads them all. */
export interface VisitHint {
  url: string;
  device: Device;
}

/** The hint's key: the minute of the visit first (base 36, fixed width), so a listing is oldest first. */
export function visitHintKey(key: CacheKey, now: number): string {
  return `${VISIT_PREFIX}${Math.floor(now / 60_000)
    .toString(36)
    .padStart(7, '0')}:${key.index}`;
}

/** Whether a snapshot is one of the outdated groups': its template changed since the build it was rendered with. */
export function isOutdated(groups: ReadonlySet<string>, entry: { url: string; build?: string | null }): boolean {
  return groups.size > 0 && groups.has(sampleGroup(templateOf(entry.url), entry.build));
}

/** One per isolate (deps.ts): the outdated list's copy and the pages already hinted. */
export class VisitHints {
  #groups: ReadonlySet<string> = new Set();
  #until = 0;
  #loading = false;
  readonly #hinted = new BoundedMap<true>({ maxEntries: HINTED_ENTRIES });

  constructor(private readonly index: KVNamespace) {}

  /**
   * A crawler was answered `entry` for `key`. Never awaits and never throws: the list is read and
   * the hint written in the background (`waitUntil`).
   */
  seen(
    key: CacheKey,
    entry: { url: string; device: Device; build?: string | null },
    waitUntil: (p: Promise<unknown>) => void,
    now = Date.now(),
  ): void {
    if (now >= this.#until && !this.#loading) waitUntil(this.#load(now));
    if (!isOutdated(this.#groups, entry) || this.#hinted.has(key.index)) return;
    this.#hinted.set(key.index, true);
    const hint: VisitHint = { url: entry.url, device: entry.device };
    waitUntil(
      this.index
        .put(visitHintKey(key, now), '', { expirationTtl: VISIT_HINT_TTL_SECONDS, metadata: hint })
        .catch((error: unknown) => log('warn', 'prerender.visit_hint_failed', { key: key.index, message: String(error) })),
    );
  }

  async #load(now: number): Promise<void> {
    this.#loading = true;
    try {
      const outdated = await this.index.get<Outdated>(OUTDATED_KEY, { type: 'json', cacheTtl: 60 });
      this.#groups = new Set(outdated?.groups ?? []);
    } catch (error) {
      log('warn', 'prerender.outdated_read_failed', { message: String(error) });
    } finally {
      this.#until = now + OUTDATED_MEMO_MS;
      this.#loading = false;
    }
  }
}
