// The demo services: a local stand-in for the recommender service behind the `feed` worker, with
// failure switches, and the demo token issuer the demo SPA signs its user in with (issuer.mjs).
//
//   GET  /feed/:tab?user=<id>     personalised feed of a tab (no user: the anonymous feed, the same for everyone)
//   GET  /_control                current switches and request counters
//   POST /_control                JSON { mode: 'ok'|'fail'|'hang'|'slow'|'429'|'flap'|'down', delayMs?, retryAfter?, concurrency? }
//   GET  /health                  200 "ok" whatever the mode
//   GET  /.well-known/jwks.json   the demo issuer's public keys
//   POST /auth/token              JSON { user, ttlSeconds? }: a signed token for that user (CORS: any origin)
//
// Modes: ok; fail (500); hang (never answers); slow (answers after delayMs, default 1500);
// 429 (Retry-After: retryAfter seconds, default 5); flap (every other feed request fails with 500);
// down (the connection is dropped without an answer, as a stopped service's would be).
// concurrency: feed requests worked on at once (0: no limit); the rest wait their turn in order, as
// on a server with that many workers, so offering more than it takes makes every answer later.
// Env: PORT (default 8793), RECOMMENDER_MODE, RECOMMENDER_DELAY_MS, RECOMMENDER_RETRY_AFTER,
// DEMO_ISSUER (default http://localhost:<port>), DEMO_ISSUER_KEY_FILE (default .wrangler/demo/issuer-key.json).
//
// `node demo/recommender/server.mjs` runs it; tests and benchmarks import `startRecommender()`.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIssuer, tokenRequestProblem } from './issuer.mjs';
import { contentApi } from '../content/api.mjs';

/**
 * @typedef {'ok' | 'fail' | 'hang' | 'slow' | '429' | 'flap' | 'down'} RecommenderMode
 * @typedef {{ mode?: RecommenderMode, delayMs?: number, retryAfter?: number, concurrency?: number }} RecommenderSwitches
 * @typedef {{ mode: RecommenderMode, delayMs: number, retryAfter: number, concurrency: number, requests: number, flap: number,
 *   queued: number, byStatus: Record<string, number> }} RecommenderState `requests`: feed requests since start;
 *   `queued`: requests waiting for a worker now;
 *   `byStatus`: answers by status ('hang' for requests never answered)
 * @typedef {{ url: string, port: number, state: RecommenderState, setMode(switches: RecommenderSwitches): void,
 *   issuer: import('./issuer.mjs').Issuer, close(): Promise<void> }} Recommender
 * @typedef {{ id: string, title: string, url: string }} FeedItem
 */

export const TABS = ['home', 'trending', 'new'];
/** @type {RecommenderMode[]} */
export const MODES = ['ok', 'fail', 'hang', 'slow', '429', 'flap', 'down'];
/** @param {unknown} value @returns {value is RecommenderMode} */
const isMode = (value) => MODES.some((mode) => mode === value);
const USER = /^[A-Za-z0-9_-]{1,64}$/;

const TOPICS = [
  'cooking',
  'cycling',
  'jazz',
  'space',
  'gardening',
  'chess',
  'photography',
  'running',
  'history',
  'design',
  'robots',
  'travel',
];

/** FNV-1a: a stable small hash, so a user's feed is the same on every call. @param {string} text */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * @param {string} tab
 * @param {string | null} user
 */
export function feedFor(tab, user) {
  /** @type {FeedItem[]} */
  const items = [];
  for (let i = 0; i < 10; i++) {
    if (user === null) {
      const topic = TOPICS[(hash(tab) + i) % TOPICS.length];
      items.push({ id: `${tab}-${i + 1}`, title: `${tab}: popular in ${topic} #${i + 1}`, url: `/article/${tab}-${i + 1}` });
    } else {
      const n = hash(`${user}/${tab}/${i}`);
      const topic = TOPICS[n % TOPICS.length];
      items.push({
        id: `${tab}-${user}-${n % 100000}`,
        title: `For ${user}: ${topic} pick #${i + 1}`,
        url: `/article/${tab}-${n % 100000}`,
      });
    }
  }
  return { tab, user, personalized: user !== null, generatedAt: new Date().toISOString(), items };
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** @param {import('node:http').IncomingMessage} req @returns {Promise<unknown>} */
function readJson(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (/** @type {string} */ chunk) => {
      data += chunk;
      if (data.length > 10_000) req.destroy();
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(data || '{}'));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

/** The token endpoint is called from the demo SPA on another origin. */
const CORS = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' };

/**
 * Starts the demo services on `port` (0: a free port). Answers { url, port, state, setMode, issuer, close }.
 * `state.requests` counts feed requests, `state.byStatus` their answers ('hang' for unanswered).
 * `issuer` names the token issuer (default: this server's URL); `keyFile` keeps its key pair;
 * `onRequest` is told when each feed request arrives (a benchmark counts calls over time with it).
 * @param {{ port?: number, host?: string, issuer?: string, keyFile?: string, onRequest?: (at: number) => void } & RecommenderSwitches} [options]
 * @returns {Promise<Recommender>}
 */
export async function startRecommender({
  port = 0,
  host = '127.0.0.1',
  mode = 'ok',
  delayMs = 1500,
  retryAfter = 5,
  concurrency = 0,
  issuer: issuerName,
  keyFile,
  onRequest,
} = {}) {
  /** @type {RecommenderState} */
  const state = { mode, delayMs, retryAfter, concurrency, requests: 0, flap: 0, queued: 0, byStatus: {} };
  // The workers: `active` requests worked on, the rest waiting in arrival order.
  let active = 0;
  /** @type {Array<() => void>} */
  const waiting = [];
  const turn = () =>
    new Promise((resolve) => {
      if (state.concurrency === 0 || active < state.concurrency) {
        active++;
        resolve(undefined);
      } else {
        waiting.push(() => resolve(undefined));
        state.queued = waiting.length;
      }
    });
  const done = () => {
    const next = waiting.shift();
    state.queued = waiting.length;
    if (next) next();
    else active--;
  };
  const count = (/** @type {string} */ key) => (state.byStatus[key] = (state.byStatus[key] ?? 0) + 1);
  /** @type {import('./issuer.mjs').Issuer | undefined} set once the port is known, before any request */
  let issuer;

  const content = contentApi(); // the demo content API (demo/content/api.mjs): /_content
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    if (url.pathname === '/.well-known/jwks.json' && issuer) return send(res, 200, issuer.jwks, { 'Cache-Control': 'max-age=300' });
    if (url.pathname === '/auth/token' && issuer) {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'POST' });
        return res.end();
      }
      if (req.method !== 'POST')
        return send(res, 405, { error: { code: 'method_not_allowed', message: 'POST' } }, { Allow: 'POST', ...CORS });
      let body;
      try {
        body = await readJson(req);
      } catch {
        return send(res, 400, { error: { code: 'invalid_json', message: 'body must be JSON' } }, CORS);
      }
      const problem = tokenRequestProblem(body);
      if (problem) return send(res, 400, { error: { code: 'invalid_token_request', message: problem } }, CORS);
      const { user, ttlSeconds } = /** @type {{ user: string, ttlSeconds?: number }} */ (body);
      const signed = await issuer.sign(user, ttlSeconds === undefined ? {} : { ttlSeconds });
      return send(res, 200, { ...signed, tokenType: 'Bearer' }, { ...CORS, 'Cache-Control': 'no-store' });
    }
    if (await content.handle(req, res, url)) return;
    if (url.pathname === '/_control') {
      if (req.method === 'GET') return send(res, 200, state);
      if (req.method !== 'POST')
        return send(res, 405, { error: { code: 'method_not_allowed', message: 'GET or POST' } }, { Allow: 'GET, POST' });
      let body;
      try {
        body = await readJson(req);
      } catch {
        return send(res, 400, { error: { code: 'invalid_json', message: 'body must be JSON' } });
      }
      const problem = controlProblem(body);
      if (problem) return send(res, 400, { error: { code: 'invalid_control', message: problem } });
      setMode(/** @type {RecommenderSwitches} */ (body));
      return send(res, 200, state);
    }

    const match = url.pathname.match(/^\/feed\/([a-z0-9-]+)$/);
    if (!match || req.method !== 'GET')
      return send(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${url.pathname}` } });
    const tab = match[1] ?? '';
    if (!TABS.includes(tab)) return send(res, 404, { error: { code: 'unknown_tab', message: `known tabs: ${TABS.join(', ')}` } });
    const user = url.searchParams.get('user');
    if (user !== null && !USER.test(user)) return send(res, 400, { error: { code: 'invalid_user', message: 'bad user id' } });

    state.requests++;
    onRequest?.(Date.now());
    if (state.mode === 'hang') {
      count('hang');
      return; // never answers (nor takes a worker); the socket is destroyed on close()
    }
    if (state.mode === 'down') {
      count('down');
      return req.socket.destroy();
    }
    await turn();
    if (res.destroyed) return done(); // the caller gave up while waiting its turn
    const answer = (/** @type {number} */ status, /** @type {unknown} */ body, /** @type {Record<string, string>} */ headers = {}) => {
      count(String(status));
      send(res, status, body, headers);
      done();
    };
    switch (state.mode) {
      case 'fail':
        return answer(500, { error: { code: 'internal', message: 'demo failure' } });
      case 'slow':
        setTimeout(() => (res.destroyed ? done() : answer(200, feedFor(tab, user))), state.delayMs);
        return;
      case '429':
        return answer(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': String(state.retryAfter) });
      case 'flap':
        if (state.flap++ % 2 === 1) return answer(500, { error: { code: 'internal', message: 'demo flap' } });
        return answer(200, feedFor(tab, user));
      default:
        return answer(200, feedFor(tab, user));
    }
  });

  /** @param {RecommenderSwitches} switches */
  function setMode({ mode: next, delayMs: delay, retryAfter: after, concurrency: workers }) {
    if (next !== undefined) state.mode = next;
    if (delay !== undefined) state.delayMs = delay;
    if (after !== undefined) state.retryAfter = after;
    if (workers !== undefined) {
      state.concurrency = workers;
      // More workers (or none limited): let the waiting in now.
      while (waiting.length && (state.concurrency === 0 || active < state.concurrency)) {
        active++;
        waiting.shift()?.();
      }
      state.queued = waiting.length;
    }
    state.flap = 0;
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const actual = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`;
  issuer = await createIssuer({ issuer: issuerName ?? url, ...(keyFile ? { keyFile } : {}) });
  return {
    url,
    port: actual,
    state,
    issuer,
    setMode(switches) {
      const problem = controlProblem(switches);
      if (problem) throw new Error(problem);
      setMode(switches);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** @param {unknown} raw @returns {string | null} */
function controlProblem(raw) {
  if (typeof raw !== 'object' || raw === null) return 'expected a JSON object';
  const body = /** @type {Record<string, unknown>} */ (raw);
  if (body.mode !== undefined && !isMode(body.mode)) return `mode must be one of ${MODES.join(', ')}`;
  for (const key of ['delayMs', 'retryAfter', 'concurrency']) {
    const value = body[key];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 600_000))
      return `${key} must be a non-negative integer`;
  }
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mode = process.env.RECOMMENDER_MODE ?? 'ok';
  if (!isMode(mode)) {
    console.error(`RECOMMENDER_MODE must be one of ${MODES.join(', ')}`);
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8793);
  const recommender = await startRecommender({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    mode,
    delayMs: Number(process.env.RECOMMENDER_DELAY_MS ?? 1500),
    retryAfter: Number(process.env.RECOMMENDER_RETRY_AFTER ?? 5),
    // What the feed's AUTH_ISSUER says locally (wrangler.toml).
    issuer: process.env.DEMO_ISSUER ?? `http://localhost:${port}`,
    keyFile:
      process.env.DEMO_ISSUER_KEY_FILE ?? join(fileURLToPath(new URL('../..', import.meta.url)), '.wrangler', 'demo', 'issuer-key.json'),
  });
  console.log(`demo recommender on ${recommender.url} (mode ${recommender.state.mode}); switch with POST /_control`);
  console.log(`demo token issuer ${recommender.issuer.issuer}: POST /auth/token {"user":"alice"}`);
  const stop = () => recommender.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
