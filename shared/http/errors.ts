/**
 * Errors are values that know their response: thrown anywhere, turned into a response in one
 * place (`app.onError` in Hono, the `catch` of an itty-router `fetch`).
 *
 * Body shape for every error answer: `{ "error": { "code", "message", "field"?, "issues"? } }`.
 * A 4xx names what was wrong with the input; a 5xx is a bug or an outage, never a reaction to input.
 */
export interface ErrorIssue {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; issues?: ErrorIssue[] };
}

export interface HttpErrorOptions {
  /** The input field at fault, for 4xx answers about a request body or query. */
  field?: string;
  /** Every problem found, when validation reports more than one. */
  issues?: ErrorIssue[];
  /** Extra response headers, e.g. `Allow` on 405 or `Retry-After` on 429 / 503. */
  headers?: HeadersInit;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly options: HttpErrorOptions;

  constructor(status: number, code: string, message: string, options: HttpErrorOptions = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.options = options;
  }

  toResponse(): Response {
    const { field, issues, headers } = this.options;
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (field !== undefined) body.error.field = field;
    if (issues !== undefined) body.error.issues = issues;
    const response = Response.json(body, { status: this.status, headers });
    response.headers.set('Cache-Control', 'no-store');
    return response;
  }
}

export const badRequest = (code: string, message: string, options?: HttpErrorOptions) => new HttpError(400, code, message, options);

export const unauthorized = (message = 'a valid bearer token is required') =>
  new HttpError(401, 'unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer' } });

export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);

/** RFC 9110 §15.5.6: a 405 must list the allowed methods in `Allow`. */
export const methodNotAllowed = (allow: readonly string[]) =>
  new HttpError(405, 'method_not_allowed', `allowed methods: ${allow.join(', ')}`, {
    headers: { Allow: allow.join(', ') },
  });

export const tooManyRequests = (retryAfterSeconds: number, message = 'rate limit exceeded') =>
  new HttpError(429, 'rate_limited', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

export const serviceUnavailable = (retryAfterSeconds: number, message = 'temporarily unavailable') =>
  new HttpError(503, 'unavailable', message, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

/**
 * The one boundary where anything thrown becomes a response. Unknown errors are bugs: they are
 * logged with their stack and answered with a generic 500 that leaks nothing.
 */
export function errorToResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    // A 5xx of ours (bad config, an outage upstream) is worth a log line; a 4xx is the client's.
    if (error.status >= 500) console.error(JSON.stringify({ level: 'error', event: error.code, message: error.message }));
    return error.toResponse();
  }
  console.error(JSON.stringify({ level: 'error', event: 'unhandled', error: describeError(error) }));
  return new HttpError(500, 'internal', 'internal error').toResponse();
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  return String(error);
}
