/**
 * Reading a JSON request body with a byte limit. Every failure is a 4xx naming what was wrong: a
 * wrong media type (415, field `Content-Type`), a body over the limit (413, field `body`), bytes that
 * are not UTF-8 or not JSON (400 `invalid_json`, field `body`).
 *
 * The limit holds while reading: a declared `Content-Length` over it is refused before reading, and
 * a body that grows past it (chunked, or lying about its length) is cancelled at the first chunk
 * that crosses it, so an oversized body is never buffered whole. `@hono/zod-validator` and Hono's
 * `c.req.json()` read the whole body first and answer malformed JSON without a field.
 */
import { HttpError, badRequest } from './errors.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJson(request: Request, limitBytes: number): Promise<unknown> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json', { field: 'Content-Type' });
  }
  const bytes = await readLimited(request, limitBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw badRequest('invalid_json', 'body is not valid UTF-8', { field: 'body' });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'body is not valid JSON', { field: 'body' });
  }
}

/**
 * The body's bytes, read chunk by chunk and cancelled as soon as they pass `limitBytes` (413). A
 * request's or a response's (an upstream's answer is bounded the same way).
 */
export async function readLimited(request: Pick<Request, 'headers' | 'body'>, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > limitBytes) throw tooLarge(limitBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limitBytes) {
      await reader.cancel();
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'body_too_large', `body must be at most ${limitBytes} bytes`, { field: 'body' });
}
