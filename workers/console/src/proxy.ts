/**
 * One operator API call, forwarded to its owner over its service binding (the owner's `OperatorApi`
 * entrypoint) with the operator's identity, and its answer held to the contract before the browser
 * sees it. What the browser can get back:
 *
 * - the owner's answer, validated (JSON against the shared zod schema; an image or CSV by its type);
 * - the owner's own 4xx error (`{ error: { code, message, field } }`), so a form shows the API's
 *   message next to its field;
 * - 503 `owner_down` when the owner cannot be reached, times out, or fails without an answer of the
 *   contract's shape (under `npm start`, a worker that is not running answers 503 "Worker ... not found");
 * - 502 `owner_invalid` when it answers something the contract does not allow (never passed on).
 *
 * Nothing the owner sends beyond that reaches the browser: no Set-Cookie, no stack trace, no header
 * the console did not choose. The browser's cookies and headers never reach the owner either.
 */
import * as z from 'zod/mini';
import { readLimited } from '../../../shared/http/body.ts';
import { HttpError } from '../../../shared/http/errors.ts';
import { issuesOf } from '../../../shared/http/validate.ts';
import { log } from '../../../shared/log.ts';
import { OPERATOR_HEADER } from '../../../shared/operator/common.ts';
import { BODY_LIMITS, type Owner, type OwnerCall } from './owners.ts';
import type { Operator } from './session.ts';

/** The error shape every worker of the project answers (shared/http/errors.ts). */
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.optional(z.string()),
    issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  }),
});

/** The largest answer the console reads whole (JSON, images); CSV exports are streamed. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const IMAGE_TYPES = ['image/svg+xml', 'image/png'];

export interface Forward {
  call: OwnerCall;
  binding: Fetcher;
  operator: Operator;
  request: Request;
  timeoutMs: number;
}

export async function forward({ call, binding, operator, request, timeoutMs }: Forward): Promise<Response> {
  const headers = new Headers({ [OPERATOR_HEADER]: operator.id, Accept: call.answer.kind === 'json' ? 'application/json' : '*/*' });
  let body: Uint8Array | undefined;
  if (call.body !== 'none') {
    body = await readLimited(request, BODY_LIMITS[call.body]);
    const type = request.headers.get('Content-Type');
    if (type !== null) headers.set('Content-Type', type);
    const key = request.headers.get('Idempotency-Key');
    if (key !== null) headers.set('Idempotency-Key', key);
  }
  const method = request.method.toUpperCase();
  const upstream = new Request(`https://${call.owner}.operator${call.target}`, { method, headers, body });

  let answer: Response;
  try {
    answer = await withTimeout(binding.fetch(upstream), timeoutMs);
  } catch (error) {
    log('warn', 'console.owner.unreachable', { owner: call.owner, path: call.target, error: String(error) });
    throw ownerDown(call.owner, error instanceof OwnerTimeout ? `no answer within ${timeoutMs / 1000} s` : 'it cannot be reached');
  }
  if (method !== 'GET' && method !== 'HEAD') {
    log('info', 'console.write', { operator: operator.id, owner: call.owner, method, path: call.target, status: answer.status });
  }
  return checked(call, answer);
}

async function checked(call: OwnerCall, answer: Response): Promise<Response> {
  const { owner } = call;
  if (answer.status >= 400) return ownerError(owner, answer);
  if (call.answer.kind === 'empty') {
    await answer.body?.cancel();
    if (answer.status !== 204 && answer.status !== 200) throw invalid(owner, `answered ${answer.status} where 204 was expected`);
    return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
  }
  const type = (answer.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (call.answer.kind === 'csv') {
    if (type !== 'text/csv') {
      await answer.body?.cancel();
      throw invalid(owner, `answered ${type || 'no Content-Type'} where text/csv was expected`);
    }
    return new Response(answer.body, {
      status: 200,
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="links.csv"',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      },
    });
  }
  const bytes = await readAnswer(owner, answer);
  if (call.answer.kind === 'image') {
    if (!IMAGE_TYPES.includes(type)) throw invalid(owner, `answered ${type || 'no Content-Type'} where an SVG or PNG image was expected`);
    return new Response(bytes, {
      status: 200,
      headers: {
        'Content-Type': type,
        'Cache-Control': 'private, max-age=300',
        'X-Content-Type-Options': 'nosniff',
        // An SVG opened on its own (the download link) runs in the console's origin: no script, no fetch.
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      },
    });
  }
  const result = z.safeParse(call.answer.schema, parseJson(owner, bytes, type));
  if (!result.success) {
    const first = issuesOf(result.error.issues)[0];
    throw invalid(owner, `answered JSON that does not match the contract (${first?.field ?? 'body'}: ${first?.message ?? 'is invalid'})`);
  }
  return Response.json(result.data, { status: answer.status, headers: { 'Cache-Control': 'no-store' } });
}

/** An owner's error answer: its own 4xx passed on as the same JSON; anything else is an outage or a broken contract. */
async function ownerError(owner: Owner, answer: Response): Promise<Response> {
  const bytes = await readAnswer(owner, answer).catch(() => new Uint8Array(0));
  const type = (answer.headers.get('Content-Type') ?? '').toLowerCase();
  const body = type.includes('json') ? errorBody.safeParse(safeJson(bytes)) : null;
  // 401 / 403 from an owner means the console is not let in (no OperatorApi entrypoint there): the
  // operator's session is fine, so it must not look like one that expired.
  if (answer.status === 401 || answer.status === 403) {
    throw new HttpError(
      502,
      'owner_refused',
      `the ${owner} refused the console (${answer.status}); is its OperatorApi entrypoint deployed?`,
      {
        headers: { 'X-Console-Owner': owner },
      },
    );
  }
  if (answer.status >= 500 || body === null || !body.success) {
    if (answer.status < 500) throw invalid(owner, `answered ${answer.status} without an error body`);
    const detail = body?.success ? body.data.error.message : `${answer.status}`;
    throw ownerDown(owner, `it answered ${detail}`);
  }
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'X-Console-Owner': owner };
  const retryAfter = answer.headers.get('Retry-After');
  if (retryAfter !== null && /^\d{1,6}$/.test(retryAfter)) headers['Retry-After'] = retryAfter;
  const allow = answer.headers.get('Allow');
  if (allow !== null && /^[A-Z, ]{1,100}$/.test(allow)) headers.Allow = allow;
  return Response.json(body.data, { status: answer.status, headers });
}

async function readAnswer(owner: Owner, answer: Response): Promise<Uint8Array> {
  try {
    return await readLimited(answer, MAX_ANSWER_BYTES);
  } catch {
    throw invalid(owner, `answered more than ${MAX_ANSWER_BYTES} bytes`);
  }
}

function parseJson(owner: Owner, bytes: Uint8Array, type: string): unknown {
  if (type !== 'application/json') throw invalid(owner, `answered ${type || 'no Content-Type'} where JSON was expected`);
  const value = safeJson(bytes);
  if (value === undefined) throw invalid(owner, 'answered a body that is not JSON');
  return value;
}

function safeJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

export function ownerDown(owner: Owner, why: string): HttpError {
  return new HttpError(503, 'owner_down', `the ${owner} is down: ${why}`, { headers: { 'Retry-After': '5', 'X-Console-Owner': owner } });
}

function invalid(owner: Owner, what: string): HttpError {
  return new HttpError(502, 'owner_invalid', `the ${owner} ${what}`, { headers: { 'X-Console-Owner': owner } });
}

class OwnerTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OwnerTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
