/**
 * When is a client-rendered page done? prerender.io's convention: a page that needs time sets
 * `window.prerenderReady = false` early and `true` when its content is in place
 * (https://docs.prerender.io/docs/prerenderready). A page that says nothing is done when its network
 * has been idle for a moment, but never waits past a cap: a page that polls or streams would
 * otherwise never be "idle". The hard render timeout stays above both.
 */

/** What the page said about `window.prerenderReady` when probed. */
export interface ReadyProbe {
  /** `typeof window.prerenderReady === 'boolean'` (prerender's test: other values are not a signal) */
  defined: boolean;
  /** `window.prerenderReady === true` */
  ready: boolean;
}

export type WaitStep = 'prerender-ready' | 'network-idle' | 'done';

/** JavaScript evaluated in the page to take a `ReadyProbe`. */
export const READY_PROBE_SCRIPT = "({ defined: typeof window.prerenderReady === 'boolean', ready: window.prerenderReady === true })";
/** JavaScript polled in the page until the page declares itself ready. */
export const READY_PREDICATE_SCRIPT = 'window.prerenderReady === true';

/**
 * The next thing to wait for. Called once the DOM is loaded (`idleWaited` false) and again after the
 * network went idle (`idleWaited` true), since a late script may only then declare `prerenderReady`.
 */
export function nextWait(probe: ReadyProbe, idleWaited: boolean): WaitStep {
  if (probe.ready) return 'done';
  if (probe.defined) return 'prerender-ready';
  return idleWaited ? 'done' : 'network-idle';
}

export interface WaitBudget {
  /** Milliseconds without network activity that count as idle (puppeteer's networkidle0 uses 500). */
  idleTimeMs: number;
  /** Longest wait for network idle before rendering whatever is there. */
  idleCapMs: number;
}

/** Milliseconds left before `deadline`, never negative. */
export function remaining(deadline: number, now: number): number {
  return Math.max(0, deadline - now);
}

/** The idle wait for a page with `timeLeftMs` of the hard timeout left: capped, and leaving time to serialise. */
export function idleWaitMs(budget: WaitBudget, timeLeftMs: number): number {
  return Math.max(0, Math.min(budget.idleCapMs, timeLeftMs - SERIALISE_RESERVE_MS));
}

/** Time kept back from the idle wait so that `page.content()` still fits in the hard timeout. */
export const SERIALISE_RESERVE_MS = 250;
