/**
 * Reading a JSON body and turning zod's verdict into the API's error shape. Hand-written rather
 * than `@hono/zod-validator` because every failure must be a 4xx naming the field: a wrong media
 * type (415), an oversized body (413), malformed JSON (400, field `body`) and each schema issue.
 */
import type { z } from 'zod';
import { HttpError, badRequest, type ErrorIssue } from '../../../shared/http/errors.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJson(request: Request, limitBytes: number): Promise<unknown> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json', { field: 'Content-Type' });
  }
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > limitBytes) throw tooLarge(limitBytes);
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

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'body_too_large', `body must be at most ${limitBytes} bytes`, { field: 'body' });
}

/** `schema.parse` whose failure is a 400 listing every issue, the first one named in `field`. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error, prefix);
  const first = issues[0] ?? { field: prefix || 'body', message: 'is invalid' };
  throw badRequest('invalid_input', `${first.field}: ${first.message}`, { field: first.field, issues });
}

export function zodIssues(error: z.ZodError, prefix = ''): ErrorIssue[] {
  return error.issues.flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [path, key].filter(Boolean).join('.'), message: 'is not a known field' }));
    }
    return [{ field: path || 'body', message: describe(issue) }];
  });
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_type') return `must be a ${issue.expected}`;
  return issue.message;
}
