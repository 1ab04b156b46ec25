/**
 * The page's data dependencies: the same-site fetch/XHR requests it made while rendering, with what
 * lets a later check ask cheaply whether they changed (the response's `ETag` / `Last-Modified`,
 * RFC 9110 §8.8, or the SHA-256 of its body when the server sent neither).
 *
 * Recorded only: GET requests of type fetch or xhr answered 200, to one of the site's origins or the
 * renderer's allowed API origins (the site's own APIs; any other origin is aborted by the request
 * policy anyway), without credentials (userinfo, `Authorization`, `Cookie`), without a query whose
 * parameter names carry user data, within `MAX_DEPENDENCY_URL_LENGTH` and `MAX_DEPENDENCIES`. A data
 * request left out for any of these reasons makes the list incomplete, and the caller then refreshes
 * that page by age instead of trusting the list.
 */
import { MAX_DEPENDENCIES, MAX_DEPENDENCY_URL_LENGTH, type Dependencies, type Dependency } from '../../../shared/render/protocol.ts';
import { bodyHash } from '../../../shared/render/body-hash.ts';
import type { OriginPolicy } from './url-policy.ts';

/** What the browser reports of one response (puppeteer's HTTPResponse, in part). */
export interface ObservedResponse {
  url(): string;
  status(): number;
  /** Lower-case names. */
  headers(): Record<string, string>;
  request(): { method(): string; resourceType(): string; headers(): Record<string, string> };
  buffer(): Promise<Uint8Array>;
}

const DATA_TYPES = new Set(['fetch', 'xhr']);
/** Query parameter names that identify a person or a session: such a URL is never stored. */
const USER_DATA_PARAM =
  /^(user|uid|userid|user_id|email|mail|session|sessionid|sid|token|auth|key|apikey|api_key|sig|signature|password|pass|account)$/i;
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const MAX_ETAG_LENGTH = 256;
const MAX_DATE_LENGTH = 64;

export type Verdict = { record: false; reason: 'not-data' | 'foreign' | 'unrecordable' } | { record: true; url: string };

/**
 * Whether a response is one of the page's data dependencies. `not-data` and `foreign` are simply
 * not dependencies; `unrecordable` is a dependency that cannot be kept (the list is then incomplete).
 */
export function judgeDependency(
  response: { url: string; status: number; method: string; resourceType: string; requestHeaders: Record<string, string> },
  policy: OriginPolicy,
): Verdict {
  if (!DATA_TYPES.has(response.resourceType) || response.method !== 'GET') return { record: false, reason: 'not-data' };
  const url = URL.parse(response.url);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return { record: false, reason: 'not-data' };
  if (!policy.site.all.has(url.origin) && !policy.allowedOrigins.has(url.origin)) return { record: false, reason: 'foreign' };
  // A data request that failed or redirected still shaped the page: it cannot be checked cheaply.
  if (response.status !== 200) return { record: false, reason: 'unrecordable' };
  if (url.username || url.password) return { record: false, reason: 'unrecordable' };
  if (CREDENTIAL_HEADERS.some((name) => name in lowerKeys(response.requestHeaders))) return { record: false, reason: 'unrecordable' };
  for (const name of url.searchParams.keys()) if (USER_DATA_PARAM.test(name)) return { record: false, reason: 'unrecordable' };
  url.hash = '';
  if (url.href.length > MAX_DEPENDENCY_URL_LENGTH) return { record: false, reason: 'unrecordable' };
  return { record: true, url: url.href };
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Collects a page's dependencies from its responses; `result()` once the page is done. */
export class DependencyRecorder {
  private readonly pending: Array<Promise<Dependency | null>> = [];
  private readonly urls = new Set<string>();
  private complete = true;
  private readonly policy: OriginPolicy;

  // No parameter property: the render service runs this file in Node's strip-only TypeScript mode.
  constructor(policy: OriginPolicy) {
    this.policy = policy;
  }

  observe(response: ObservedResponse): void {
    const request = response.request();
    const verdict = judgeDependency(
      {
        url: response.url(),
        status: response.status(),
        method: request.method(),
        resourceType: request.resourceType(),
        requestHeaders: request.headers(),
      },
      this.policy,
    );
    if (!verdict.record) {
      if (verdict.reason === 'unrecordable') this.complete = false;
      return;
    }
    if (this.urls.has(verdict.url)) return;
    if (this.urls.size >= MAX_DEPENDENCIES) {
      this.complete = false;
      return;
    }
    this.urls.add(verdict.url);
    this.pending.push(describe(verdict.url, response));
  }

  /** The recorded dependencies; a body that could not be read leaves the list incomplete. */
  async result(): Promise<Dependencies> {
    const settled = await Promise.all(this.pending);
    const requests = settled.filter((d): d is Dependency => d !== null);
    return { requests, complete: this.complete && requests.length === settled.length };
  }
}

async function describe(url: string, response: ObservedResponse): Promise<Dependency | null> {
  const headers = response.headers();
  const etag = headers.etag;
  const lastModified = headers['last-modified'];
  const validators: Omit<Dependency, 'url'> = {
    ...(etag && etag.length <= MAX_ETAG_LENGTH && { etag }),
    ...(lastModified && lastModified.length <= MAX_DATE_LENGTH && { lastModified }),
  };
  if (validators.etag || validators.lastModified) return { url, ...validators };
  try {
    return { url, hash: await bodyHash(new Uint8Array(await response.buffer())) };
  } catch {
    return null;
  }
}
