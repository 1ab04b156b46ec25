/**
 * `GET /api/feed/_status` and `POST /api/feed/_status`: the breaker's state and the tiers' ages for
 * an operator, and the switch to force the breaker open, closed or back to automatic. Both need
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 */
import * as z from 'zod';
import { badRequest, unauthorized } from '../../../shared/http/errors.ts';
import { bearerToken, parseTokenList, tokenMatches } from '../../../shared/http/auth.ts';
import { log } from '../../../shared/log.ts';
import { windowStats } from './breaker.ts';
import type { FeedContext } from './feed.ts';
import { bakedFeed } from './tiers.ts';

export async function requireAdmin(request: Request, adminToken: string | undefined): Promise<void> {
  const token = bearerToken(request);
  // Comma-separated, as for the edge's ADMIN_TOKEN, so a rotation can list the new and the old
  // token. None configured: nobody gets in (fail closed).
  if (token === null || !(await tokenMatches(token, parseTokenList(adminToken)))) throw unauthorized();
}

export async function statusBody(fc: FeedContext) {
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
      config: config.breaker,
    },
    isolate: breaker.info(),
    tiers,
    cacheMaxAgeSeconds: Math.round(config.cacheMaxAgeMs / 1000),
  };
}

const forceBody = z.object({ mode: z.enum(['open', 'closed', 'auto']) }).strict();

export async function forceBreaker(fc: FeedContext, request: Request) {
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    throw badRequest('invalid_json', 'the body must be JSON: { "mode": "open" | "closed" | "auto" }');
  }
  const parsed = forceBody.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
    throw badRequest('invalid_body', 'expected { "mode": "open" | "closed" | "auto" }', { field: issues[0]?.field ?? 'mode', issues });
  }
  const shared = await fc.breaker.force(fc.stub, parsed.data.mode);
  log('warn', 'feed.breaker.forced', { mode: parsed.data.mode, shared });
  return { mode: parsed.data.mode, shared, ...(await statusBody(fc)) };
}

const age = (now: number, at: number) => Math.max(0, Math.floor((now - at) / 1000));
