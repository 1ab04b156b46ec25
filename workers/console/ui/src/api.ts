/**
 * The UI's one way to the console's APIs: same origin, the session cookie sent by the browser, the
 * CSRF token on every write, and every failure turned into an `ApiError` a screen can show (the
 * API's own message and field, or "the <owner> is down"). A 401 means the session is gone: back to
 * sign-in, with the current screen as the place to come back to.
 */
import type { ErrorBody } from '../../../../shared/http/errors.ts';

export interface Session {
  operator: string;
  via: 'local' | 'access';
  csrf: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** The owner that failed, when the console names one (`X-Console-Owner`). */
  readonly owner: string | undefined;

  constructor(status: number, code: string, message: string, field?: string, owner?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.owner = owner;
  }

  /** The owner could not answer at all: its screen shows it as down. */
  get down(): boolean {
    return this.code === 'owner_down' || this.code === 'network';
  }
}

let session: Promise<Session> | null = null;

export function currentSession(): Promise<Session> {
  session ??= call<Session>('GET', '/api/session').catch((error: unknown) => {
    session = null;
    throw error;
  });
  return session;
}

export function signInAgain(): never {
  const here = `${location.pathname}${location.search}`;
  location.assign(`/signin?next=${encodeURIComponent(here)}`);
  throw new ApiError(401, 'signed_out', 'signing in again');
}

export interface CallOptions {
  /** A JSON body, or a File / Blob sent with its own type (CSV import). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof Blob) {
    body = options.body;
    headers['Content-Type'] = options.contentType ?? options.body.type;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = (await currentSession()).csrf;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'the console cannot be reached (network error)');
  }
  if (response.status === 401) signInAgain();
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'not_json', `the console answered ${response.status} without JSON`);
  }
  if (!response.ok) {
    const error = (json as Partial<ErrorBody> | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? 'error',
      error?.message ?? `the console answered ${response.status}`,
      error?.field,
      response.headers.get('X-Console-Owner') ?? undefined,
    );
  }
  return json as T;
}

/** `?name=value&...` of the defined values, or ''. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  return search.size > 0 ? `?${search}` : '';
}
