/**
 * Bulk creates: every item gets its own outcome, an outage (5xx) or a bug (500) included. The items
 * created before and after a failing one are real links, so the answer lists them all instead of
 * failing the whole call and leaving the client to guess which codes exist.
 */
import { HttpError, describeError, type ErrorBody } from '../../../shared/http/errors.ts';
import { log } from '../../../shared/log.ts';
import type { LinkView } from './view.ts';

export type FailedItem = { index: number; status: number; error: ErrorBody['error']; retryAfter?: number };
export type BulkResult = { index: number; status: 201; link: LinkView } | FailedItem;

/** Runs `create` over `items`, `concurrency` at a time; never rejects: each failure is its item's result. */
export async function createAll(
  items: readonly unknown[],
  concurrency: number,
  create: (item: unknown, index: number) => Promise<LinkView>,
): Promise<BulkResult[]> {
  const results: BulkResult[] = Array.from({ length: items.length });
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { index, status: 201, link: await create(items[index], index) };
      } catch (error) {
        results[index] = failedItem(index, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** The result of an item that threw: its HttpError as status and body, anything else a generic 500. */
export function failedItem(index: number, error: unknown): FailedItem {
  if (!(error instanceof HttpError)) {
    log('error', 'links.bulk_item_failed', { index, error: describeError(error) });
    return { index, status: 500, error: { code: 'internal', message: 'internal error' } };
  }
  const { field, issues, headers } = error.options;
  const detail: ErrorBody['error'] = { code: error.code, message: error.message };
  if (field !== undefined) detail.field = field;
  if (issues !== undefined) detail.issues = issues;
  // Retry-After (RFC 9110 §10.2.3) cannot be a header of one item: it travels in the item instead.
  const retryAfter = Number(new Headers(headers).get('Retry-After') ?? Number.NaN);
  return { index, status: error.status, error: detail, ...(Number.isFinite(retryAfter) && { retryAfter }) };
}
