/**
 * `GET /api/feed/_status` and `POST /api/feed/_status`: the breaker's state and the tiers' ages for
 * an operator, and the switch to force the breaker open, closed or back to automatic. Both need
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 */
import { readJson } from '../../../shared/http/body.ts';
import { parseInput } from '../../../shared/http/validate.ts';
import { log } from '../../../shared/log.ts';
import { windowStats } from './breaker.ts';
import type { FeedContext } from './feed.ts';
import { forceBody, type StatusBody } from './schemas.ts';
import { bakedFeed } from './tiers.ts';

export async function statusBody(fc: FeedContext): Promise<StatusBody> {
  const { breaker, config } = fc;
  await breaker.refresh(fc.stub);
  const now = Date.now();
  const state = breaker.state;
  const tiers = await Promise.all(
    config.tabs.map(async (tab) => {
      const cached = await fc.cache.read(tab, now, fc.ctx);
      const baked = bakedFeed(tab);
      return {
        tab,
        cache: cached ? { ageSeconds: age(now, cached.storedAt), items: cached.items.length } : null,
        baked: { ageSeconds: age(now, baked.storedAt), items: baked.items.length },
      };
    }),
  );
  return {
    upstream: config.upstreamKey,
    breaker: {
      status: state.status,
      forced: state.forced,
      admission: breaker.admission(now),
      reason: state.reason,
      trips: state.trips,
      changedAt: new Date(state.changedAt).toISOString(),
      openUntil: state.status === 'open' ? new Date(state.openUntil).toISOString() : null,
      halfOpen: state.status === 'half-open' ? { probesStarted: state.probesStarted, probeSuccesses: state.probeSuccesses } : null,
      window: windowStats(state.window, now, config.breaker),
      config: { ...config.breaker },
    },
    isolate: {
      ...breaker.info(),
      events: fc.events.stats,
      concurrency: {
        inFlight: fc.limit.inFlight,
        limit: fc.limit.limit,
        max: fc.limit.config.max,
        adaptive: fc.limit.config.adaptive,
        shed: fc.limit.shed,
      },
    },
    tiers,
    cacheMaxAgeSeconds: Math.round(config.cacheMaxAgeMs / 1000),
  };
}

/** `{ "mode": "..." }` is a few bytes. */
const FORCE_BODY_LIMIT = 1024;

/** Applies an operator's override; `operator` names who, for the log (every write is logged). */
export async function forceBreaker(fc: FeedContext, request: Request, operator: string): Promise<StatusBody> {
  const { mode } = parseInput(forceBody, await readJson(request, FORCE_BODY_LIMIT), { code: 'invalid_body' });
  const shared = await fc.breaker.force(fc.stub, mode);
  log('warn', 'feed.breaker.forced', { mode, shared, operator });
  return { mode, shared, ...(await statusBody(fc)) };
}

const age = (now: number, at: number) => Math.max(0, Math.floor((now - at) / 1000));
