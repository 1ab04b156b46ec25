/** The renderer's outage answers (5xx): the render could not be made, through no fault of the input. */
import { HttpError } from '../../../shared/http/errors.ts';

/** The page did not finish within the hard render timeout. */
export const renderTimeout = (timeoutMs: number, message = `the page did not finish rendering within ${timeoutMs} ms`) =>
  new HttpError(504, 'render_timeout', message);

/** No browser could be had (Browser Rendering limits, a crashed local Chromium, a full render service). */
export const browserUnavailable = (message: string, retryAfterSeconds = 5) =>
  new HttpError(503, 'browser_unavailable', message, { headers: { 'Retry-After': String(retryAfterSeconds) } });

/** The browser ran but the page could not be loaded (site down, connection refused, ...). */
export const pageLoadFailed = (message: string) => new HttpError(502, 'page_load_failed', message);

/** The self-hosted render service answered something this worker cannot use. */
export const renderServiceFailed = (message: string) => new HttpError(502, 'render_service_failed', message);

export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * Settles like `work`, or rejects with DeadlineExceeded after `ms`. The abandoned `work` gets a
 * no-op rejection handler, since closing the page later makes it reject with nobody listening.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`deadline of ${ms} ms exceeded`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Puppeteer's timeouts (goto, waitForFunction) are TimeoutError by name in both puppeteer flavours. */
export function isTimeout(error: unknown): boolean {
  return error instanceof DeadlineExceeded || (error instanceof Error && error.name === 'TimeoutError');
}

/**
 * What a failed render answers: our own HttpErrors as they are, timeouts 504, a page the browser
 * could not load (`net::ERR_CONNECTION_REFUSED`, ...) 502, anything else from the browser 502 too,
 * since the input was valid and the fault is downstream.
 */
export function renderFailure(error: unknown, timeoutMs: number): HttpError {
  if (error instanceof HttpError) return error;
  if (isTimeout(error)) return renderTimeout(timeoutMs);
  const message = error instanceof Error ? error.message : String(error);
  if (/net::ERR_/.test(message)) return pageLoadFailed(`the page could not be loaded: ${message.split('\n')[0]}`);
  return new HttpError(502, 'render_failed', `the browser failed: ${message.split('\n')[0]}`);
}
