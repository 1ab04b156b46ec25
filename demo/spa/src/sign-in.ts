/**
 * The demo's sign-in: the demo user gets a signed token from the demo token issuer (the demo
 * services, `VITE_AUTH_ORIGIN`), and the feed reads the user from that token, never from the URL.
 * A real app signs its users in with its identity provider instead and sends the same header.
 *
 * The token is kept for this tab (sessionStorage) until a minute before it expires. No issuer
 * configured, or the issuer down: no token, and the feed answers its anonymous feed.
 */

/** Build-time constant: the demo token issuer's origin (empty: no sign-in). */
export const AUTH_ORIGIN = (import.meta.env.VITE_AUTH_ORIGIN ?? '').replace(/\/$/, '');

const TIMEOUT_MS = 2000;
const TOKEN_KEY = 'edge-notes:token';
/** A token this close to its expiry is replaced rather than sent. */
const RENEW_BEFORE_MS = 60_000;

interface Session {
  user: string;
  token: string;
  expiresAt: number;
}

/** A token for `user`, from this tab's session or freshly signed; null when there is none to be had. */
export async function tokenFor(user: string): Promise<string | null> {
  if (!AUTH_ORIGIN) return null;
  const kept = readSession();
  if (kept && kept.user === user && kept.expiresAt - RENEW_BEFORE_MS > Date.now()) return kept.token;
  try {
    const response = await fetch(`${AUTH_ORIGIN}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) return null;
    const { token, expiresAt } = (await response.json()) as { token?: unknown; expiresAt?: unknown };
    if (typeof token !== 'string' || typeof expiresAt !== 'string') return null;
    writeSession({ user, token, expiresAt: Date.parse(expiresAt) });
    return token;
  } catch {
    return null; // the issuer is down or blocked: the anonymous feed will do
  }
}

function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(TOKEN_KEY);
    const session = raw ? (JSON.parse(raw) as Partial<Session>) : null;
    if (typeof session?.user !== 'string' || typeof session.token !== 'string' || typeof session.expiresAt !== 'number') return null;
    return session as Session;
  } catch {
    return null;
  }
}

function writeSession(session: Session): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
  } catch {
    // storage disabled: sign in again next time
  }
}
