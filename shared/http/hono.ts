/** Shared Hono boundary handlers: one place where errors and unknown routes become JSON. */
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { HttpError, errorToResponse } from './errors.ts';

/** `app.onError(withOnError())`: HttpError and Hono's own HTTPException keep their status. */
export function withOnError(): ErrorHandler {
  return function onError(error) {
    if (error instanceof HTTPException && !(error instanceof HttpError)) {
      const status = error.status;
      const code = status === 401 ? 'unauthorized' : status >= 500 ? 'internal' : 'bad_request';
      const response = new HttpError(status, code, error.message || code).toResponse();
      // Keep headers Hono set on purpose (e.g. WWW-Authenticate from bearerAuth).
      const own = error.getResponse().headers;
      for (const [name, value] of own) if (name !== 'content-type' && name !== 'content-length') response.headers.set(name, value);
      return response;
    }
    return errorToResponse(error);
  };
}

/** `app.notFound(withNotFound())`: unknown routes answer JSON 404, not Hono's text. */
export function withNotFound(): NotFoundHandler {
  return function notFound(c) {
    return new HttpError(404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).toResponse();
  };
}
