/**
 * The console's routes: sign-in and sign-out, the session the UI reads, the operator APIs forwarded
 * to their owners, and the UI's files. Decisions live in session.ts, csrf.ts, owners.ts and proxy.ts.
 */
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { tokenMatches } from '../../../shared/http/auth.ts';
import { readLimited } from '../../../shared/http/body.ts';
import { HttpError } from '../../../shared/http/errors.ts';
import { withNotFound, withOnError } from '../../../shared/http/hono.ts';
import { isSpaNavigation } from '../../assets/src/navigation.ts';
import { serveAsset } from '../../assets/src/serve.ts';
import { CSRF_FIELD, crossOriginProblem, csrfToken, isWrite, requireCsrf } from './csrf.ts';
import { ownerCall, type Owner } from './owners.ts';
import { htmlResponse, safeNext, signInHtml } from './pages.ts';
import { forward } from './proxy.ts';
import { identify, newLocalSession, SESSION_COOKIE, type Identified, type Operator } from './session.ts';
import { consoleState, type ConsoleState } from './state.ts';

type AppEnv = { Bindings: ConsoleEnv };
type Ctx = Context<AppEnv>;

/** The local sign-in form is a token and a path: a few hundred bytes. */
const SIGNIN_BODY_LIMIT = 4 * 1024;
/** Loopback names: local sign-in answers only there, whatever AUTH_MODE says (a deploy that forgot the var stays closed). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

const BINDINGS: Record<Owner, (env: ConsoleEnv) => Fetcher> = {
  shortener: (env) => env.SHORTENER,
  edge: (env) => env.EDGE,
  feed: (env) => env.FEED,
};

export const app = new Hono<AppEnv>();
app.onError(withOnError());
app.notFound(withNotFound());

app.get('/signin', async (c) => {
  const state = consoleState(c.env);
  const next = safeNext(c.req.query('next'));
  const who = await identifyRequest(c, state);
  if (who.ok) return c.redirect(next, 303);
  const reason = c.req.query('reason') === 'signed-out' ? 'signed-out' : who.reason;
  return signInPage(state, who.ok ? 200 : state.config.mode === 'access' ? 401 : 200, { next, reason });
});

app.post('/signin', async (c) => {
  const state = consoleState(c.env);
  if (state.config.mode !== 'local')
    throw new HttpError(404, 'not_found', 'local sign-in is off: this console signs in through Cloudflare Access');
  if (!isLoopback(c))
    throw new HttpError(403, 'local_only', 'local sign-in answers only on localhost; deployed consoles use AUTH_MODE = "access"');
  const problem = crossOriginProblem(c.req.url, c.req.raw.headers);
  if (problem !== null) throw new HttpError(403, 'csrf', problem, { field: 'Origin' });
  const type = c.req.header('Content-Type') ?? '';
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the sign-in form as application/x-www-form-urlencoded', {
      field: 'Content-Type',
    });
  }
  const form = new URLSearchParams(new TextDecoder().decode(await readLimited(c.req.raw, SIGNIN_BODY_LIMIT)));
  const next = safeNext(form.get('next'));
  const token = form.get('token') ?? '';
  if (token === '') return signInPage(state, 400, { next, error: 'Enter your operator token (token is required).' });
  if (!(await tokenMatches(token, state.config.localTokens))) {
    return signInPage(state, 401, { next, error: 'That token is not valid. Nothing was changed.' });
  }
  const session = await newLocalSession('local', state);
  setCookie(c, SESSION_COOKIE, session.value, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    path: '/',
    maxAge: session.maxAge,
  });
  return c.redirect(next, 303);
});

app.post('/signout', async (c) => {
  const state = consoleState(c.env);
  const who = await identifyRequest(c, state);
  if (who.ok) {
    const form = new URLSearchParams(new TextDecoder().decode(await readLimited(c.req.raw, SIGNIN_BODY_LIMIT)));
    await requireCsrf(c.req.raw, state.secret, who.operator.session, form.get(CSRF_FIELD) ?? undefined);
  }
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: new URL(c.req.url).protocol === 'https:' });
  return c.redirect('/signin?reason=signed-out', 303);
});

/** Who is signed in, and the CSRF token the UI sends with every write. */
app.get('/api/session', async (c) => {
  const state = consoleState(c.env);
  const operator = await requireOperator(c, state);
  return c.json({ operator: operator.id, via: operator.via, csrf: await csrfToken(state.secret, operator.session) }, 200, {
    'Cache-Control': 'no-store',
  });
});

app.all('*', async (c) => {
  const state = consoleState(c.env);
  const url = new URL(c.req.url);
  const call = ownerCall(c.req.method, url.pathname, url.searchParams);
  if (call !== null) {
    const operator = await requireOperator(c, state);
    if (isWrite(c.req.method)) await requireCsrf(c.req.raw, state.secret, operator.session);
    return forward({ call, binding: BINDINGS[call.owner](c.env), operator, request: c.req.raw, timeoutMs: state.config.ownerTimeoutMs });
  }
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/__prerender/')) {
    throw new HttpError(404, 'not_found', `no operator API at ${url.pathname}`);
  }
  // A screen (a page navigation) needs a signed-in operator; the UI's files (scripts, styles) do not.
  if (isSpaNavigation(url.pathname, c.req.raw.headers)) {
    const who = await identifyRequest(c, state);
    if (!who.ok) return c.redirect(`/signin?next=${encodeURIComponent(safeNext(url.pathname + url.search))}`, 303);
    if (url.pathname === '/') return c.redirect('/links', 303);
  }
  return serveAsset(c.req.raw, state.assets);
});

async function identifyRequest(c: Ctx, state: ConsoleState): Promise<Identified> {
  if (state.config.mode === 'local' && !isLoopback(c)) return { ok: false, reason: 'missing' };
  return identify(c.req.raw, getCookie(c, SESSION_COOKIE), state);
}

function isLoopback(c: Ctx): boolean {
  return LOOPBACK.has(new URL(c.req.url).hostname);
}

/** The operator of an API call, or a 401 the UI answers by going back to sign-in. */
async function requireOperator(c: Ctx, state: ConsoleState): Promise<Operator> {
  const who = await identifyRequest(c, state);
  if (who.ok) return who.operator;
  const message = {
    missing: 'sign in first',
    expired: 'the session expired: sign in again',
    invalid: 'the session is not valid: sign in again',
  }[who.reason];
  throw new HttpError(401, 'signed_out', message, { field: state.config.mode === 'access' ? 'Cf-Access-Jwt-Assertion' : 'session' });
}

function signInPage(
  state: ConsoleState,
  status: number,
  page: { next: string; error?: string; reason?: Parameters<typeof signInHtml>[0]['reason'] },
) {
  return htmlResponse(status, signInHtml({ mode: state.config.mode, accessTeam: state.config.accessTeam, ...page }), state.assets.security);
}
