// Render only what changed: a simulation of a month of a 300,000-page site, refreshed by the edge's
// refresh pass (its real decisions: planEntry and needsMarking from workers/edge/src/refresh-plan.ts,
// pageVerdict from revalidate.ts, sampleGroup, buildStep and afterSample from build-check.ts, and the
// visit hints of refresh-visits.ts) against a fixed 7-day re-render of every page, on the same model.
//
// The change model, each figure with its reason (one snapshot per page: both devices would double
// every count on both sides alike):
// - 300,000 pages: the site of the issue. Three route templates: article 80%, topic 15%, other 5%
//   (an assumption: the issue names no split; a content site's pages are mostly articles, with
//   listing pages and a few others). The split matters: a build that changes the article template
//   changes 240,000 pages.
// - Crawler visits: 600,000 a day (two per page a day: the cost note's 10-20 M crawler hits a
//   month), by a Zipf law (s = 1: the usual fit of web page popularity) over a shuffled rank (the
//   index walks pages by URL, not by popularity). A visit costs a KV read on both sides; a visit to
//   a page whose snapshot misses a change is counted.
// - Content changes: 1% of the pages a day (3,000 edits a day: an assumption for a newsroom-sized
//   site), at uniform times, half drawn uniformly and half by the same Zipf law (popular pages are
//   edited more).
// - Data dependencies: 90% of the pages record a complete list; the other 10% are refreshed by age
//   (FRESH_SECONDS, 7 days), as the issue says. Their content changes at the same rate as the
//   others', and by the same mechanism: a 300,000-page SPA cannot carry its content in its bundle, so
//   a page without a complete list still reads its content from data, only through requests the
//   renderer cannot keep (over 32 of them, a query with user data, credentials, a non-200 answer, a
//   WebSocket). How many pages that is depends on the site's API (an Authorization header on every
//   API call would make it all of them); 10% is an assumption.
// - Dependency checks: 0.2% cannot be made (error, timeout, 5xx: an API at 99.8%), and the page is
//   rendered (as the issue says).
// - Builds: 3 a week (a team that ships a few times a week), on a cadence from a seeded phase; every
//   6th changes the Markdown of one template's pages (drawn by its share of pages: a change to what
//   the article component writes, e.g. a byline or a date format; an assumption, and the figure the
//   renders row depends on most: each such build of the article template needs 240,000 renders
//   under any policy that keeps snapshots current). The other builds change no page's content.
// - The pass runs every minute with wrangler.toml's limits (300 entries, 300 conditional requests,
//   50 renders; a page left over for lack of renders goes to the front of the next pass), and 0.8 of
//   the dependency lists fit the index metadata (LISTED_SHARE).
// - Fixed refresh: every page re-rendered every 7 days at its own phase (what the cron warm-up does
//   with FRESH_SECONDS = 7 days).
// - Sitemap <lastmod> is not modelled: the site's sitemap is a file of its build (assets), so its
//   <lastmod> can only say what changed when a build is deployed, and no figure for how often a
//   site's <lastmod> is accurate is at hand.
//
// Latency of a change: from the change to the first render after it. The month is measured after a
// week of the same model and followed by a drain (see LEAD_DAYS). Rows are exact (a seeded
// simulation): renders vs fixed (goal <= 0.2) and p95 latency vs fixed (goal <= 0.1), with context
// rows (p95 of data changes, of pages with dependencies, crawler visits to an out-of-date snapshot,
// renders left when builds' re-renders are taken out, the monthly cost at list prices). The printed
// lines say where each policy's renders went and which changes make the slowest 5%.
import { pageVerdict } from '../../workers/edge/src/revalidate.ts';
import { MAX_RENDER_AGE_MS, needsMarking, planEntry } from '../../workers/edge/src/refresh-plan.ts';
import { afterSample, buildStep, sampleGroup } from '../../workers/edge/src/build-check.ts';

const PAGES = 300_000;
const DAYS = 30;
const MINUTE = 60_000;
const DAY = 86_400_000;
/**
 * The month measured is preceded by a week of the same model (so it starts with the backlogs a
 * month in the middle of the year has, not with every snapshot current) and followed by a drain of
 * the same model, long enough for the slowest change of the month to reach its snapshot (a page
 * without dependencies waits up to its 7-day age; a template's re-render takes about 4 days at the
 * render limit). Renders and storage operations are counted inside the month; a change made inside
 * the month is followed until its snapshot shows it, however late.
 */
const LEAD_DAYS = 7;
const DRAIN_DAYS = 8;
const TOTAL_DAYS = LEAD_DAYS + DAYS + DRAIN_DAYS;
const WINDOW_START = LEAD_DAYS * 86_400_000;
const WINDOW_END = (LEAD_DAYS + DAYS) * 86_400_000;
const MINUTES = TOTAL_DAYS * 24 * 60;
const FRESH_SECONDS = 7 * 86_400;
const STALE_SECONDS = 30 * 86_400;
/** Route templates (article, topic, other) by their share of the pages. */
const ARTICLE_SHARE = 0.8;
const TOPIC_SHARE = 0.15;
/** @param {number} x uniform in [0, 1) @returns {number} */
const templateAt = (x) => (x < ARTICLE_SHARE ? 0 : x < ARTICLE_SHARE + TOPIC_SHARE ? 1 : 2);
const VISITS_PER_DAY = 600_000;
const CHANGE_SHARE_PER_DAY = 0.01;
const DEPENDENCY_SHARE = 0.9;
const UNCHECKABLE = 0.002;
const BUILDS_PER_WEEK = 3;
const CONTENT_BUILD_SHARE = 1 / 6;
const MAX_CHECKS = 300;
const MAX_REVALIDATIONS = 300;
const MAX_RENDERS = 50;
// Dependency lists short enough for the index metadata (store.ts LISTED_DEPENDENCY_BYTES, 640 bytes:
// about 8 API URLs of typical length; the demo's article records one of 60 bytes). No count of real
// sites' data requests per page is at hand: 0.8 leaves a fifth of the lists too long, and the
// printed line gives the reads that would be made with none in the metadata.
const LISTED_SHARE = Number(process.env.FRESH_LISTED_SHARE ?? 0.8);
/** Visit hints after a template change (refresh-visits.ts); off: changed templates in index order. */
const VISIT_HINTS = process.env.FRESH_VISIT_HINTS !== '0';
// Experiments only (the rows assume the defaults): FRESH_VISIT_HINTS=0, FRESH_LISTED_SHARE=<0..1>,
// FRESH_BUILD_TIMES=random (builds at random times, as before the cadence), FRESH_SEED=<n>.
const RANDOM_BUILD_TIMES = process.env.FRESH_BUILD_TIMES === 'random';

// List prices (USD), 2026-11: Browser Rendering $0.09 per browser hour past 10 free hours a month;
// Workers KV $0.50 / M reads, $5.00 / M writes, lists and deletes; R2 $4.50 / M class A (writes),
// $0.36 / M class B (reads, heads). A render is taken as 1 s of browser time (0.3-1.2 s measured).
const PRICE = { browserHour: 0.09, freeBrowserHours: 10, kvRead: 0.5e-6, kvWrite: 5e-6, r2A: 4.5e-6, r2B: 0.36e-6 };
const RENDER_SECONDS = 1;
const SEED = Number(process.env.FRESH_SEED ?? 20261130);

/**
 * @typedef {{ renders: number, kvReads: number, kvWrites: number, kvLists: number, r2A: number, r2B: number,
 *   revalidations: number, staleVisits: number, savedReads: number }} Ops
 * @typedef {{ render: (page: number, now: number, reason: string) => void, ops: Ops }} Tools
 * @typedef {{ tick: (now: number, tools: Tools) => void, changed?: (page: number) => void,
 *   built?: (template: number | null) => void, visited?: (page: number, ops: Ops) => void }} Policy
 * @typedef {ReturnType<typeof changeModel>} Model
 */

/** mulberry32: a seeded generator, so every run simulates the same month. @param {number} seed */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws page indexes by a Zipf law (s = 1) over ranks 0..n-1, from its cumulative weights.
 * @param {number} n @param {() => number} rand
 */
function zipf(n, rand) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cumulative[i] = sum += 1 / (i + 1);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (/** @type {number} */ (cumulative[mid]) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The month's events, the same for both policies: content changes, builds, crawler visits. @param {number} seed */
function changeModel(seed) {
  const rand = random(seed);
  // Popularity is not index order: the index lists pages by URL, so a page's rank is drawn apart
  // from its place in the walk (a seeded shuffle).
  const rank = zipf(PAGES, rand);
  const byRank = Uint32Array.from({ length: PAGES }, (_, i) => i);
  for (let i = PAGES - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [byRank[i], byRank[j]] = [/** @type {number} */ (byRank[j]), /** @type {number} */ (byRank[i])];
  }
  const popular = () => /** @type {number} */ (byRank[rank()]);
  const template = new Uint8Array(PAGES);
  for (let i = 0; i < PAGES; i++) {
    const x = rand();
    template[i] = templateAt(x);
  }
  const hasDeps = Uint8Array.from({ length: PAGES }, () => (rand() < DEPENDENCY_SHARE ? 1 : 0));
  /** @type {Array<{ t: number, page: number }>} */
  const changes = [];
  const perDay = Math.round(PAGES * CHANGE_SHARE_PER_DAY);
  for (let day = 0; day < TOTAL_DAYS; day++) {
    for (let k = 0; k < perDay; k++) {
      changes.push({ t: (day + rand()) * DAY, page: rand() < 0.5 ? Math.floor(rand() * PAGES) : popular() });
    }
  }
  /** @type {Array<{ t: number, template: number | null }>} */
  const builds = [];
  // Builds on a release cadence (every 7 / BUILDS_PER_WEEK days from a seeded phase): drawn at random
  // times, the month's count is a lottery of its own (15 instead of 13 with this seed, and so 3
  // template changes instead of 2).
  const spacing = (7 * DAY) / BUILDS_PER_WEEK;
  for (let t = rand() * spacing; t < TOTAL_DAYS * DAY; t += spacing) builds.push({ t, template: /** @type {number | null} */ (null) });
  if (RANDOM_BUILD_TIMES) for (const build of builds) build.t = rand() * TOTAL_DAYS * DAY;
  builds.sort((a, b) => a.t - b.t);
  // Exactly the model's share of the builds change a template: every 1 / CONTENT_BUILD_SHARE-th build
  // in time order, from a seeded start (drawing each build's chance instead makes the month's count
  // itself a lottery: 6 of 13 with this seed).
  const every = Math.round(1 / CONTENT_BUILD_SHARE);
  const first = Math.floor(rand() * every);
  for (let b = first; b < builds.length; b += every) /** @type {{ template: number | null }} */ (builds[b]).template = templateAt(rand());
  changes.sort((a, b) => a.t - b.t);
  return { template, hasDeps, changes, builds, popular, rand };
}

/**
 * Runs one policy over the month. `policy.tick(minute, state)` decides the renders of one minute;
 * the shared machinery applies changes, records latencies and counts operations.
 */
/** @param {Model} model @param {Policy} policy */
function simulate(model, policy) {
  // Pending changes per page: [time, kind] pairs (CHANGE_KINDS).
  const pending = Array.from({ length: PAGES }, () => /** @type {Array<[number, number]> | null} */ (null));
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const kinds = [];
  /** A change of the month reached its snapshot (`now`), or the simulation ended first. @param {[number, number]} change @param {number} now */
  const settle = ([t, kind], now) => {
    if (t < WINDOW_START || t >= WINDOW_END) return;
    latencies.push(now - t);
    kinds.push(kind);
  };
  let inWindow = false;
  /** Crawler visits of the month to a snapshot that misses a build's change (the rest miss only data). */
  let staleForBuilds = 0;
  const ops = { renders: 0, kvReads: 0, kvWrites: 0, kvLists: 0, r2A: 0, r2B: 0, revalidations: 0, staleVisits: 0, savedReads: 0 };
  /** Renders by reason: all of them, and those that brought a pending change into the snapshot. */
  const byReason = /** @type {Record<string, { renders: number, useful: number }>} */ ({});
  let nextChange = 0;
  let nextBuild = 0;
  // `visible`: a change of the page's data, which its recorded dependencies show; a build's change
  // of a template's HTML is not.
  /** @param {number} page @param {number} t @param {boolean} visible */
  const change = (page, t, visible) => {
    const kind = (visible ? 0 : 2) + (model.hasDeps[page] === 1 ? 0 : 1);
    (pending[page] ??= []).push([t, kind]);
    if (visible) policy.changed?.(page);
  };
  /** @param {number} page @param {number} now @param {string} reason */
  const render = (page, now, reason) => {
    ops.renders++;
    ops.kvWrites++;
    const waiting = pending[page];
    if (inWindow) {
      const counted = (byReason[reason] ??= { renders: 0, useful: 0 });
      counted.renders++;
      if (waiting) counted.useful++;
    }
    if (waiting) {
      for (const t of waiting) settle(t, now);
      pending[page] = null;
      ops.r2A += 2; // the HTML and its Markdown, written again
    } else {
      ops.r2B++; // an unchanged render: one existence check of the body
    }
  };
  const visitsPerMinute = VISITS_PER_DAY / (24 * 60);
  let visitCarry = 0;
  /** @type {Ops} */
  let atStart = { ...ops };
  let atEnd = ops;
  for (let minute = 0; minute < MINUTES; minute++) {
    const now = minute * MINUTE;
    if (now === WINDOW_START) [inWindow, atStart] = [true, { ...ops }];
    if (now === WINDOW_END) [inWindow, atEnd] = [false, { ...ops }];
    for (let next = model.changes[nextChange]; next && next.t < now + MINUTE; next = model.changes[++nextChange]) {
      change(next.page, next.t, true);
    }
    for (let build = model.builds[nextBuild]; build && build.t < now + MINUTE; build = model.builds[++nextBuild]) {
      const { t, template } = build;
      policy.built?.(template);
      if (template !== null) for (let page = 0; page < PAGES; page++) if (model.template[page] === template) change(page, t, false);
    }
    policy.tick(now, { render, ops });
    // Crawler visits: a KV read each, on both sides alike; counted stale when a change is pending.
    visitCarry += visitsPerMinute;
    for (; visitCarry >= 1; visitCarry--) {
      ops.kvReads++;
      const page = model.popular();
      const waiting = pending[page];
      if (waiting) {
        ops.staleVisits++;
        if (inWindow && waiting.some(([, kind]) => kind >= 2)) staleForBuilds++;
      }
      policy.visited?.(page, ops);
    }
  }
  const end = MINUTES * MINUTE;
  let unsettled = latencies.length;
  for (const waiting of pending) if (waiting) for (const t of waiting) settle(t, end);
  unsettled = latencies.length - unsettled;
  const month = /** @type {Ops} */ (
    Object.fromEntries(Object.entries(atEnd).map(([k, v]) => [k, v - (atStart[/** @type {keyof Ops} */ (k)] ?? 0)]))
  );
  return { ops: month, byReason, unsettled, staleForBuilds, ...latencyReport(latencies, kinds) };
}

/** What a pending change was: its source, and whether its page records data dependencies. */
const CHANGE_KINDS = ['data, page with dependencies', 'data, page without', 'build, page with dependencies', 'build, page without'];

/**
 * The p95 over all changes and over data changes only, each kind's count and p95, and which kinds
 * make up the slowest 5% (the changes at or past the overall p95).
 * @param {number[]} latencies @param {number[]} kinds
 */
function latencyReport(latencies, kinds) {
  const order = Uint32Array.from(latencies.keys()).sort((a, b) => (latencies[a] ?? 0) - (latencies[b] ?? 0));
  const at = (/** @type {number} */ q, /** @type {ArrayLike<number>} */ sorted) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const sortedAll = Float64Array.from(order, (i) => latencies[i] ?? 0);
  const p95All = at(0.95, sortedAll);
  const perKind = CHANGE_KINDS.map((name, kind) => {
    const mine = Float64Array.from(latencies.filter((_, i) => kinds[i] === kind)).sort();
    const slowest = kinds.filter((k, i) => k === kind && (latencies[i] ?? 0) >= p95All).length;
    return { name, changes: mine.length, p50: at(0.5, mine), p95: at(0.95, mine), slowest };
  });
  const data = Float64Array.from(latencies.filter((_, i) => (kinds[i] ?? 0) < 2)).sort();
  return { p95: p95All, dataP95: at(0.95, data), changes: latencies.length, dataChanges: data.length, perKind };
}

/** Every page re-rendered every 7 days at its own phase; the warm-up reads the index entry first. @returns {Policy} */
function fixedPolicy() {
  const period = FRESH_SECONDS * 1000;
  const perMinute = PAGES / (period / MINUTE);
  let carry = 0;
  let cursor = 0;
  return {
    tick(now, { render, ops }) {
      carry += perMinute;
      for (; carry >= 1; carry--) {
        ops.kvReads++;
        render(cursor, now, 'schedule');
        cursor = (cursor + 1) % PAGES;
      }
    },
  };
}

/** The refresh pass, with the edge's decisions. @param {Model} model @returns {Policy} */
function refreshPolicy(model) {
  const rand = random(7);
  const renderedAt = Array.from({ length: PAGES }, () => '');
  const freshUntil = new Float64Array(PAGES);
  const dataVersion = new Uint32Array(PAGES);
  const seenVersion = new Uint32Array(PAGES);
  // Builds: the one each snapshot is current for, each template's content version (bumped by a build
  // that changes its HTML) and the one each snapshot shows, and the per-template sample verdicts.
  let build = 0;
  const builtWith = new Uint16Array(PAGES);
  const templateVersion = new Uint32Array(3);
  const seenTemplate = new Uint32Array(PAGES);
  /** @type {Record<string, import('../../workers/edge/src/build-check.ts').TemplateVerdict>} */
  let verdicts = {};
  const contentOf = (/** @type {number} */ page, /** @type {number} */ tpl) => `${seenVersion[page]}-${tpl}`;
  // At the start every snapshot is current, rendered at some time in the last 7 days.
  for (let page = 0; page < PAGES; page++) {
    const at = -rand() * FRESH_SECONDS * 1000;
    renderedAt[page] = new Date(Date.UTC(2026, 10, 1) + at).toISOString();
    freshUntil[page] = at + FRESH_SECONDS * 1000;
  }
  const epoch = Date.UTC(2026, 10, 1);
  /** @type {number[]} */
  const front = [];
  let frontAt = 0;
  const inFront = new Uint8Array(PAGES);
  // Which pages' dependency lists are short enough to ride in the index metadata (store.ts).
  const listRand = random(11);
  const listed = Uint8Array.from({ length: PAGES }, () => (listRand() < LISTED_SHARE ? 1 : 0));
  /** Why each page at the front was queued (its render is counted under that reason). */
  const frontReason = Array.from({ length: PAGES }, () => '');
  // Visit hints (refresh-visits.ts): pages of a changed template that crawlers visited, first visited
  // first; each page hinted once per build.
  /** @type {number[]} */
  let visitQueue = [];
  let visitAt = 0;
  const hintedFor = new Int32Array(PAGES).fill(-1);
  const outdated = (/** @type {number} */ page) =>
    builtWith[page] !== build && buildStep(verdicts[sampleGroup(String(model.template[page]), String(builtWith[page]))]) === 'render';
  let cursor = 0;
  return {
    changed(page) {
      dataVersion[page] = (dataVersion[page] ?? 0) + 1;
    },
    visited(page, ops) {
      if (!VISIT_HINTS || hintedFor[page] === build || !outdated(page)) return;
      hintedFor[page] = build;
      ops.kvWrites++; // the hint
      visitQueue.push(page);
    },
    built(template) {
      build++;
      verdicts = {};
      if (template !== null) templateVersion[template] = (templateVersion[template] ?? 0) + 1;
    },
    tick(now, { render, ops }) {
      let renders = 0;
      let revalidations = 0;
      /** @type {Array<[number, string]>} */
      const queued = [];
      /**
       * @param {number} page @param {string} reason
       * @param {boolean} [queue] as the pass: pages re-rendered for a build are not queued
       */
      const doRender = (page, reason, queue = true) => {
        if (renders >= MAX_RENDERS) return queue ? queued.push([page, reason]) : 0;
        renders++;
        render(page, now, reason);
        renderedAt[page] = new Date(epoch + now).toISOString();
        freshUntil[page] = now + FRESH_SECONDS * 1000;
        seenVersion[page] = dataVersion[page] ?? 0;
        builtWith[page] = build;
        seenTemplate[page] = templateVersion[model.template[page] ?? 0] ?? 0;
        return 0;
      };
      // The front of the queue: at most MAX_RENDERS hints a run, as the pass lists them.
      let checked = 0;
      ops.kvLists++;
      const taken = front.length - frontAt;
      for (; checked < MAX_RENDERS && frontAt < front.length; checked++) {
        const page = /** @type {number} */ (front[frontAt++]);
        inFront[page] = 0;
        ops.kvReads += 2; // the hint and the entry
        ops.kvWrites++; // the hint deleted (or written again)
        doRender(page, frontReason[page] ?? '');
      }
      if (taken > 0) ops.kvLists++;
      // Then the visit hints, oldest first, while renders are left.
      if (visitAt < visitQueue.length) ops.kvLists++;
      while (renders < MAX_RENDERS && visitAt < visitQueue.length) {
        const page = /** @type {number} */ (visitQueue[visitAt++]);
        ops.kvReads++; // the entry
        ops.kvWrites++; // the hint deleted
        if (outdated(page)) {
          checked++;
          doRender(page, 'template changed (visited first)', false);
        }
      }
      if (visitAt === visitQueue.length) [visitQueue, visitAt] = [[], 0];
      for (; checked < MAX_CHECKS; checked++) {
        const page = cursor;
        cursor = (cursor + 1) % PAGES;
        if (builtWith[page] !== build) {
          // Rendered with another build: its template's sample decides (build-check.ts); a page of
          // a template found unchanged is current as it is (the key names its URL: no read, no
          // write); it, and a page left for lack of renders, still has its data checked below.
          const group = sampleGroup(String(model.template[page]), String(builtWith[page]));
          const step = buildStep(verdicts[group]);
          if (step !== 'mark-current' && renders < MAX_RENDERS) {
            ops.kvReads++;
            const before = contentOf(page, seenTemplate[page] ?? 0);
            // A sample whose data changed since its render does not count (refresh-pass.ts).
            const sample = step === 'sample' && (!model.hasDeps[page] || seenVersion[page] === dataVersion[page]);
            if (step === 'sample' && model.hasDeps[page]) ops.revalidations++;
            doRender(page, step === 'sample' ? 'build sample' : 'template changed (walk)', step === 'sample');
            if (sample) verdicts[group] = afterSample(verdicts[group], before, contentOf(page, seenTemplate[page] ?? 0));
            continue;
          }
        }
        const hasDeps = model.hasDeps[page] === 1;
        const plan = planEntry(
          {
            deps: hasDeps ? 1 : 0,
            freshUntil: epoch + (freshUntil[page] ?? 0),
            staleUntil: epoch + (freshUntil[page] ?? 0) + STALE_SECONDS * 1000,
            renderedAt: renderedAt[page] ?? '',
          },
          epoch + now,
        );
        if (plan === 'current') continue;
        // The entry, for its dependencies or its URL, unless its list rides in the metadata.
        const fromListing = plan === 'revalidate' && listed[page] === 1;
        if (fromListing) ops.savedReads++;
        else ops.kvReads++;
        if (plan === 'render') {
          doRender(page, hasDeps ? 'max-age' : 'age (no dependencies)');
          continue;
        }
        if (revalidations >= MAX_REVALIDATIONS) break;
        revalidations++;
        ops.revalidations++;
        const check = rand() < UNCHECKABLE ? 'unchecked' : seenVersion[page] === dataVersion[page] ? 'unchanged' : 'changed';
        const verdict = pageVerdict([check]);
        if (verdict !== 'unchanged') {
          if (fromListing && renders < MAX_RENDERS) [ops.kvReads, ops.savedReads] = [ops.kvReads + 1, ops.savedReads - 1];
          doRender(page, verdict === 'changed' ? 'data changed' : 'unchecked');
          continue;
        }
        if (needsMarking({ freshUntil: epoch + (freshUntil[page] ?? 0) }, epoch + now, FRESH_SECONDS)) {
          if (fromListing) [ops.kvReads, ops.savedReads] = [ops.kvReads + 1, ops.savedReads - 1];
          ops.kvWrites++;
          freshUntil[page] = now + FRESH_SECONDS * 1000;
        }
      }
      for (const [page, reason] of queued) {
        if (inFront[page]) continue;
        inFront[page] = 1;
        frontReason[page] = reason;
        ops.kvWrites++; // its hint
        front.push(page);
      }
      if (frontAt === front.length) front.length = frontAt = 0;
    },
  };
}

/**
 * Where a policy's renders went (by reason; "useful": the render brought a pending change into the
 * snapshot) and its latencies by kind of change, with each kind's share of the slowest 5%.
 * @param {string} name @param {ReturnType<typeof simulate>} result
 */
function breakdown(name, result) {
  const hours = (/** @type {number} */ ms) => (ms / 3_600_000).toFixed(1);
  const reasons = Object.entries(result.byReason)
    .sort(([, a], [, b]) => b.renders - a.renders)
    .map(([reason, { renders, useful }]) => `${reason} ${renders} (useful ${useful})`);
  const slowest = result.perKind.reduce((sum, k) => sum + k.slowest, 0);
  const kinds = result.perKind.map(
    (k) => `${k.name}: ${k.changes} changes, p50 ${hours(k.p50)} h, p95 ${hours(k.p95)} h, ${k.slowest} of the slowest ${slowest}`,
  );
  const stale = `crawler visits to an out-of-date snapshot ${result.ops.staleVisits}, ${result.staleForBuilds} of them missing a build's change`;
  return `fresh (${name}): renders by reason: ${reasons.join('; ')}\nfresh (${name}): latency by change: ${kinds.join('; ')}\nfresh (${name}): ${stale}`;
}

/** The month's bill for what a policy did, at list prices. @param {Ops} ops */
function dollars(ops) {
  const browserHours = (ops.renders * RENDER_SECONDS) / 3600;
  return (
    Math.max(0, browserHours - PRICE.freeBrowserHours) * PRICE.browserHour +
    ops.kvReads * PRICE.kvRead +
    (ops.kvWrites + ops.kvLists) * PRICE.kvWrite +
    ops.r2A * PRICE.r2A +
    ops.r2B * PRICE.r2B
  );
}

/** Seeded and exact: run after the timed rows (run.mjs). */
export const simulation = true;

/** @param {import('../lib.mjs').Bench} bench */
export default async function fresh(bench) {
  // The same month for both: each simulation draws from its own copy of the seeded model.
  const fixed = simulate(changeModel(SEED), fixedPolicy());
  const model = changeModel(SEED);
  const ours = simulate(model, refreshPolicy(model));
  const hours = (/** @type {number} */ ms) => Math.round((ms / 3_600_000) * 10) / 10;
  const costOurs = dollars(ours.ops);
  const costFixed = dollars(fixed.ops);
  const monthBuilds = model.builds.filter((b) => b.t >= WINDOW_START && b.t < WINDOW_END);
  console.log(
    `fresh: ${ours.changes} page changes in ${DAYS} days (${monthBuilds.length} builds, ` +
      `${monthBuilds.filter((b) => b.template !== null).length} of them changing a template's HTML; ${ours.unsettled} changes ` +
      `still not in their snapshot ${DRAIN_DAYS} days after the month, counted with their time so far); renders ${ours.ops.renders} vs ${fixed.ops.renders} (fixed 7-day); ` +
      `p95 change-to-snapshot ${hours(ours.p95)} h vs ${hours(fixed.p95)} h (data changes only, ${ours.dataChanges}: ` +
      `${hours(ours.dataP95)} h vs ${hours(fixed.dataP95)} h); conditional requests ${ours.ops.revalidations}; ` +
      `crawler visits to an out-of-date snapshot ${ours.ops.staleVisits} vs ${fixed.ops.staleVisits}; ` +
      `monthly cost $${costOurs.toFixed(2)} vs $${costFixed.toFixed(2)} (Browser Rendering, KV, R2 list prices; ` +
      `ours ${JSON.stringify(ours.ops)}, fixed ${JSON.stringify(fixed.ops)}); MAX_RENDER_AGE ${MAX_RENDER_AGE_MS / DAY} days`,
  );
  console.log(breakdown('ours', ours));
  console.log(breakdown('fixed', fixed));
  // What the goals ask of the builds: the renders a changed template needs whatever the policy, and
  // the render rate at which 95% of a changed article template is current within the p95 goal.
  const buildRenders = Object.entries(ours.byReason)
    .filter(([reason]) => reason.startsWith('template changed') || reason === 'build sample')
    .reduce((sum, [, { renders }]) => sum + renders, 0);
  const perMonth = (DAYS / 7) * BUILDS_PER_WEEK * CONTENT_BUILD_SHARE;
  const expected = perMonth * PAGES * (ARTICLE_SHARE ** 2 + TOPIC_SHARE ** 2 + (1 - ARTICLE_SHARE - TOPIC_SHARE) ** 2);
  const goalHours = 0.1 * hours(fixed.p95);
  console.log(
    `fresh: builds' template re-renders this month ${buildRenders} (${(buildRenders / fixed.ops.renders).toFixed(3)} of fixed; ` +
      `the model's expectation ${Math.round(expected)} a month, ${(expected / fixed.ops.renders).toFixed(3)} of fixed); ` +
      `a p95 within the goal (${goalHours.toFixed(1)} h) needs 95% of a changed article template rendered in that time: ` +
      `${Math.ceil((0.95 * PAGES * ARTICLE_SHARE) / (goalHours * 60))} renders a minute (REFRESH_MAX_RENDERS is ${MAX_RENDERS})`,
  );
  bench.exact({
    scenario: 'fresh: renders in 30 days vs a fixed 7-day refresh (300,000 pages)',
    ours: ours.ops.renders,
    reference: fixed.ops.renders,
    baselineName: 'fixed 7-day refresh',
    goal: 0.2,
    better: 'lower',
    measure: 'renders',
  });
  bench.exact({
    scenario: 'fresh: p95 change-to-updated-snapshot vs a fixed 7-day refresh',
    ours: hours(ours.p95),
    reference: hours(fixed.p95),
    baselineName: 'fixed 7-day refresh',
    goal: 0.1,
    better: 'lower',
    measure: 'hours',
  });
  bench.exact({
    scenario: 'fresh: p95 data-change-to-updated-snapshot vs a fixed 7-day refresh (builds left out)',
    ours: hours(ours.dataP95),
    reference: hours(fixed.dataP95),
    baselineName: 'fixed 7-day refresh',
    goal: null,
    better: 'lower',
    measure: 'hours',
  });
  const withDeps = (/** @type {ReturnType<typeof simulate>} */ r) => /** @type {{ p95: number }} */ (r.perKind[0]).p95;
  bench.exact({
    scenario: 'fresh: p95 data-change-to-updated-snapshot of pages with recorded dependencies vs a fixed 7-day refresh',
    ours: hours(withDeps(ours)),
    reference: hours(withDeps(fixed)),
    baselineName: 'fixed 7-day refresh',
    goal: null,
    better: 'lower',
    measure: 'hours',
  });
  bench.exact({
    scenario: 'fresh: crawler visits to an out-of-date snapshot vs a fixed 7-day refresh',
    ours: ours.ops.staleVisits,
    reference: fixed.ops.staleVisits,
    baselineName: 'fixed 7-day refresh',
    goal: null,
    better: 'lower',
    measure: 'visits',
  });
  bench.exact({
    scenario: "fresh: renders besides builds' template re-renders vs a fixed 7-day refresh",
    ours: ours.ops.renders - buildRenders,
    reference: fixed.ops.renders,
    baselineName: 'fixed 7-day refresh',
    goal: null,
    better: 'lower',
    measure: 'renders',
  });
  bench.exact({
    scenario: 'fresh: monthly cost in dollars vs a fixed 7-day refresh',
    ours: Math.round(costOurs * 100) / 100,
    reference: Math.round(costFixed * 100) / 100,
    baselineName: 'fixed 7-day refresh',
    goal: null,
    better: 'lower',
    measure: 'dollars',
  });
}
