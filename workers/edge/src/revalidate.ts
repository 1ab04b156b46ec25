/**
 * Has a page's data changed since its snapshot? Each recorded dependency (a same-site data request of
 * the render, shared/render/protocol.ts) is asked again with a conditional request (RFC 9110 §13.1:
 * `If-None-Match` from its ETag, `If-Modified-Since` from its Last-Modified); a 304 is "unchanged",
 * and a dependency recorded with a body hash is re-fetched and hashed. An error, a timeout or a 5xx
 * is "unchecked": the page keeps its snapshot and is queued for a render, never served empty.
 */
import { bodyHash } from '../../../shared/render/body-hash.ts';
import type { Dependency } from '../../../shared/render/protocol.ts';

export type DependencyCheck = 'unchanged' | 'changed' | 'unchecked';

/** A dependency that does not answer within this long could not be checked. */
export const DEPENDENCY_TIMEOUT_MS = 5_000;

/** What a page's checks say together: any change wins, then any check that could not be made. */
export function pageVerdict(checks: readonly DependencyCheck[]): DependencyCheck {
  if (checks.includes('changed')) return 'changed';
  return checks.includes('unchecked') ? 'unchecked' : 'unchanged';
}

/** The conditional request's headers for a recorded dependency. */
export function conditionalHeaders(dependency: Dependency): Record<string, string> {
  return {
    Accept: 'application/json, */*;q=0.5',
    ...(dependency.etag && { 'If-None-Match': dependency.etag }),
    ...(dependency.lastModified && { 'If-Modified-Since': dependency.lastModified }),
  };
}

/**
 * What an answer says about a dependency. A 304 is unchanged; a 200 is unchanged only when it names
 * the same validator (a server that ignores conditional requests) or, for a dependency recorded by
 * hash, when `hash` (the new body's) is equal; any other status a page's request can see (3xx, 4xx)
 * changed what the page shows; a 5xx is an outage, not an answer.
 */
export function judgeAnswer(dependency: Dependency, status: number, headers: Headers, hash: string | null): DependencyCheck {
  if (status === 304) return 'unchanged';
  if (status >= 500) return 'unchecked';
  if (status !== 200) return 'changed';
  if (dependency.hash) return hash === dependency.hash ? 'unchanged' : 'changed';
  if (dependency.etag) return headers.get('ETag') === dependency.etag ? 'unchanged' : 'changed';
  return dependency.lastModified && headers.get('Last-Modified') === dependency.lastModified ? 'unchanged' : 'changed';
}

/**
 * Checks one dependency. Only URLs on `origins` (the site's and DEPENDENCY_ORIGINS) are ever fetched:
 * a recorded URL is data from a page, and must not turn the edge into a fetcher of anything else.
 */
export async function checkDependency(
  dependency: Dependency,
  origins: ReadonlySet<string>,
  fetcher: typeof fetch = fetch,
  timeoutMs = DEPENDENCY_TIMEOUT_MS,
): Promise<DependencyCheck> {
  const url = URL.parse(dependency.url);
  if (!url || !origins.has(url.origin) || url.username || url.password) return 'unchecked';
  try {
    const response = await fetcher(url.href, {
      headers: conditionalHeaders(dependency),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const hash = dependency.hash && response.status === 200 ? await bodyHash(await response.arrayBuffer()) : null;
    if (hash === null) await response.body?.cancel();
    return judgeAnswer(dependency, response.status, response.headers, hash);
  } catch {
    return 'unchecked';
  }
}
