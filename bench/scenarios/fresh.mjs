// Render only what changed: a simulation of 30 days of a 300,000-page site, refreshed by the edge's
// refresh pass (its real decisions: planEntry, needsMarking from workers/edge/src/refresh-plan.ts,
// pageVerdict from revalidate.ts, buildStep and afterSample from build-check.ts) against a fixed 7-day re-render of every page, on the same model.
//
// The change model (one snapshot per page: both devices double every count on both sides alike):
// - 300,000 pages in three route templates: article 80%, topic 15%, other 5%.
// - Crawler visits follow a Zipf law (s = 1) over the pages, 600,000 a day; a visit costs a KV read
//   of the index on both sides, and a visit to a page whose snapshot is out of date is counted.
// - Content changes: 1% of the pages a day (3,000), at uniform times, half of them drawn uniformly
//   and half by the same Zipf law (popular pages change more often).
// - Data dependencies: 90% of the pages record a complete list (their content comes from the site's
//   APIs); the other 10% are refreshed by age (FRESH_SECONDS, 7 days), as today.
// - Dependency checks: 0.2% of them cannot be made (error, timeout, 5xx): the page is rendered.
// - Builds: 3 a week at random times; 1 in 6 changes the rendered HTML of one template (drawn by
//   its share of pages). The pass samples each template after a build (build-check.ts: buildStep,
//   afterSample): unchanged, its pages are marked current; changed, they are re-rendered as the
//   walk meets them, within the render limit.
// - The pass runs every minute with wrangler.toml's limits: 300 entries checked, 300 conditional
//   requests, 50 renders (a page left over for lack of renders goes to the front of the next pass).
// - Fixed refresh: every page re-rendered every 7 days at its own phase (what the cron warm-up does
//   with FRESH_SECONDS = 7 days).
//
// Latency of a change: from the change to the first render after it (a change still not in the
// snapshot at day 30 counts its time so far: a lower bound). Rows are exact (a seeded simulation):
// renders vs fixed (goal <= 0.2) and p95 latency vs fixed (goal <= 0.1), with the monthly cost in
// dollars at list prices printed beside them (and as context rows).
import { pageVerdict } from '../../workers/edge/src/revalidate.ts';
import { MAX_RENDER_AGE_MS, needsMarking, planEntry } from '../../workers/edge/src/refresh-plan.ts';
import { afterSample, buildStep } from '../../workers/edge/src/build-check.ts';

const PAGES = 300_000;
const DAYS = 30;
const MINUTE = 60_000;
const DAY = 86_400_000;
const MINUTES = DAYS * 24 * 60;
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

// List prices (USD), 2026-11: Browser Rendering $0.09 per browser hour past 10 free hours a month;
// Workers KV $0.50 / M reads, $5.00 / M writes, lists and deletes; R2 $4.50 / M class A (writes),
// $0.36 / M class B (reads, heads). A render is taken as 1 s of browser time (0.3-1.2 s measured).
const PRICE = { browserHour: 0.09, freeBrowserHours: 10, kvRead: 0.5e-6, kvWrite: 5e-6, r2A: 4.5e-6, r2B: 0.36e-6 };
const RENDER_SECONDS = 1;
const SEED = 20261130;

/**
 * @typedef {{ renders: number, kvReads: number, kvWrites: number, kvLists: number, r2A: number, r2B: number,
 *   revalidations: number, staleVisits: number }} Ops
 * @typedef {{ render: (page: number, now: number) => void, ops: Ops }} Tools
 * @typedef {{ tick: (now: number, tools: Tools) => void, changed?: (page: number) => void,
 *   built?: (template: number | null) => void }} Policy
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
  const popular = zipf(PAGES, rand);
  const template = new Uint8Array(PAGES);
  for (let i = 0; i < PAGES; i++) {
    const x = rand();
    template[i] = templateAt(x);
  }
  const hasDeps = Uint8Array.from({ length: PAGES }, () => (rand() < DEPENDENCY_SHARE ? 1 : 0));
  /** @type {Array<{ t: number, page: number }>} */
  const changes = [];
  const perDay = Math.round(PAGES * CHANGE_SHARE_PER_DAY);
  for (let day = 0; day < DAYS; day++) {
    for (let k = 0; k < perDay; k++) {
      changes.push({ t: (day + rand()) * DAY, page: rand() < 0.5 ? Math.floor(rand() * PAGES) : popular() });
    }
  }
  /** @type {Array<{ t: number, template: number | null }>} */
  const builds = [];
  const buildCount = Math.round((BUILDS_PER_WEEK * DAYS) / 7);
  // Exactly the model's share of the builds change a template (drawing each build's chance instead
  // makes the month's count itself a lottery: 6 of 13 with this seed).
  const contentBuilds = Math.round(buildCount * CONTENT_BUILD_SHARE);
  for (let b = 0; b < buildCount; b++) {
    const changesContent = b < contentBuilds;
    const x = rand();
    builds.push({ t: rand() * DAYS * DAY, template: changesContent ? templateAt(x) : null });
  }
  changes.sort((a, b) => a.t - b.t);
  builds.sort((a, b) => a.t - b.t);
  return { template, hasDeps, changes, builds, popular, rand };
}

/**
 * Runs one policy over the month. `policy.tick(minute, state)` decides the renders of one minute;
 * the shared machinery applies changes, records latencies and counts operations.
 */
/** @param {Model} model @param {Policy} policy */
function simulate(model, policy) {
  // Pending changes per page: their times, positive for data changes, negated (minus one) for builds.
  const pending = Array.from({ length: PAGES }, () => /** @type {number[] | null} */ (null));
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const dataLatencies = [];
  /** @param {number} tagged @param {number} now */
  const settle = (tagged, now) => {
    const t = tagged < 0 ? -tagged - 1 : tagged;
    latencies.push(now - t);
    if (tagged >= 0) dataLatencies.push(now - t);
  };
  const ops = { renders: 0, kvReads: 0, kvWrites: 0, kvLists: 0, r2A: 0, r2B: 0, revalidations: 0, staleVisits: 0 };
  let nextChange = 0;
  let nextBuild = 0;
  // `visible`: a change of the page's data, which its recorded dependencies show; a build's change
  // of a template's HTML is not.
  /** @param {number} page @param {number} t @param {boolean} visible */
  const change = (page, t, visible) => {
    (pending[page] ??= []).push(visible ? t : -t - 1);
    if (visible) policy.changed?.(page);
  };
  /** @param {number} page @param {number} now */
  const render = (page, now) => {
    ops.renders++;
    ops.kvWrites++;
    const waiting = pending[page];
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
  for (let minute = 0; minute < MINUTES; minute++) {
    const now = minute * MINUTE;
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
      if (pending[model.popular()]) ops.staleVisits++;
    }
  }
  const end = MINUTES * MINUTE;
  for (const waiting of pending) if (waiting) for (const t of waiting) settle(t, end);
  return { ops, p95: p95(latencies), dataP95: p95(dataLatencies), changes: latencies.length, dataChanges: dataLatencies.length };
}

/** Nearest-rank 95th percentile. @param {number[]} values */
function p95(values) {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.ceil(0.95 * values.length) - 1)] ?? 0;
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
        render(cursor, now);
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
  /** @type {Record<number, import('../../workers/edge/src/build-check.ts').TemplateVerdict>} */
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
  let cursor = 0;
  return {
    changed(page) {
      dataVersion[page] = (dataVersion[page] ?? 0) + 1;
    },
    built(template) {
      build++;
      verdicts = {};
      if (template !== null) templateVersion[template] = (templateVersion[template] ?? 0) + 1;
    },
    tick(now, { render, ops }) {
      let renders = 0;
      let revalidations = 0;
      /** @type {number[]} */
      const queued = [];
      /** @param {number} page @param {boolean} [queue] as the pass: pages re-rendered for a build are not queued */
      const doRender = (page, queue = true) => {
        if (renders >= MAX_RENDERS) return queue ? queued.push(page) : 0;
        renders++;
        render(page, now);
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
        doRender(page);
      }
      if (taken > 0) ops.kvLists++;
      for (; checked < MAX_CHECKS; checked++) {
        const page = cursor;
        cursor = (cursor + 1) % PAGES;
        if (builtWith[page] !== build) {
          // Rendered with another build: its template's sample decides (build-check.ts); a page of
          // a template found unchanged is current as it is (the key names its URL: no read, no
          // write); it, and a page left for lack of renders, still has its data checked below.
          const template = model.template[page] ?? 0;
          const step = buildStep(verdicts[template]);
          if (step !== 'mark-current' && renders < MAX_RENDERS) {
            ops.kvReads++;
            const before = contentOf(page, seenTemplate[page] ?? 0);
            doRender(page, step === 'sample');
            if (step === 'sample') verdicts[template] = afterSample(verdicts[template], before, contentOf(page, seenTemplate[page] ?? 0));
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
        ops.kvReads++; // the entry, for its dependencies or its URL
        if (plan === 'render') {
          doRender(page);
          continue;
        }
        if (revalidations >= MAX_REVALIDATIONS) break;
        revalidations++;
        ops.revalidations++;
        const check = rand() < UNCHECKABLE ? 'unchecked' : seenVersion[page] === dataVersion[page] ? 'unchanged' : 'changed';
        if (pageVerdict([check]) !== 'unchanged') {
          doRender(page);
          continue;
        }
        if (needsMarking({ freshUntil: epoch + (freshUntil[page] ?? 0) }, epoch + now, FRESH_SECONDS)) {
          ops.kvWrites++;
          freshUntil[page] = now + FRESH_SECONDS * 1000;
        }
      }
      for (const page of queued) {
        if (inFront[page]) continue;
        inFront[page] = 1;
        ops.kvWrites++; // its hint
        front.push(page);
      }
      if (frontAt === front.length) front.length = frontAt = 0;
    },
  };
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

/** @param {import('../lib.mjs').Bench} bench */
export default async function fresh(bench) {
  // The same month for both: each simulation draws from its own copy of the seeded model.
  const fixed = simulate(changeModel(SEED), fixedPolicy());
  const model = changeModel(SEED);
  const ours = simulate(model, refreshPolicy(model));
  const hours = (/** @type {number} */ ms) => Math.round((ms / 3_600_000) * 10) / 10;
  const costOurs = dollars(ours.ops);
  const costFixed = dollars(fixed.ops);
  console.log(
    `fresh: ${ours.changes} page changes in ${DAYS} days (${model.builds.length} builds, ` +
      `${model.builds.filter((b) => b.template !== null).length} of them changing a template's HTML); renders ${ours.ops.renders} vs ${fixed.ops.renders} (fixed 7-day); ` +
      `p95 change-to-snapshot ${hours(ours.p95)} h vs ${hours(fixed.p95)} h (data changes only, ${ours.dataChanges}: ` +
      `${hours(ours.dataP95)} h vs ${hours(fixed.dataP95)} h); conditional requests ${ours.ops.revalidations}; ` +
      `crawler visits to an out-of-date snapshot ${ours.ops.staleVisits} vs ${fixed.ops.staleVisits}; ` +
      `monthly cost $${costOurs.toFixed(2)} vs $${costFixed.toFixed(2)} (Browser Rendering, KV, R2 list prices; ` +
      `ours ${JSON.stringify(ours.ops)}, fixed ${JSON.stringify(fixed.ops)}); MAX_RENDER_AGE ${MAX_RENDER_AGE_MS / DAY} days`,
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
