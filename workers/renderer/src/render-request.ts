/** Turns a POST /render body into a render target, or a 4xx that says what was wrong. */
import { HttpError, badRequest } from '../../../shared/http/errors.ts';
import { renderRequestSchema, type Device } from '../../../shared/render/protocol.ts';
import { checkRenderTarget, type OriginPolicy } from './url-policy.ts';

export interface RenderTarget {
  url: URL;
  device: Device;
}

/** Bodies are a URL and a word; anything bigger is not a render request. */
export const MAX_BODY_BYTES = 16 * 1024;

export function parseRenderBody(text: string): unknown {
  if (text.length > MAX_BODY_BYTES) throw badRequest('body_too_large', `the body must be at most ${MAX_BODY_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'the body must be JSON: {"url": "...", "device": "mobile"|"desktop"}');
  }
}

export function renderTarget(body: unknown, policy: OriginPolicy): RenderTarget {
  const parsed = renderRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
    throw badRequest('invalid_body', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { field: issues[0]?.field, issues });
  }
  const verdict = checkRenderTarget(parsed.data.url, policy);
  if (!verdict.ok) throw new HttpError(verdict.status, verdict.code, verdict.message, { field: 'url' });
  return { url: verdict.url, device: parsed.data.device };
}
