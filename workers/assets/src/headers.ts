/** Response headers that do not depend on the request: caching and security policy. */
import type { ManifestEntry } from './manifest.ts';

/**
 * RFC 9111 §5.2.2 + RFC 8246: a content-hashed name never changes meaning, so it may be kept a year
 * without revalidation; anything else (index.html, favicon.svg) is revalidated on every use so a
 * deploy is seen at once (cheap: the answer is a 304 while the ETag matches).
 */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

export function cacheControlFor(entry: ManifestEntry): string {
  return entry.immutable ? IMMUTABLE : REVALIDATE;
}

export interface SecurityConfig {
  contentSecurityPolicy: string;
  referrerPolicy: string;
  strictTransportSecurity: string;
}

export function securityConfigFrom(env: {
  CONTENT_SECURITY_POLICY?: string;
  REFERRER_POLICY?: string;
  STRICT_TRANSPORT_SECURITY?: string;
}): SecurityConfig {
  return {
    contentSecurityPolicy: env.CONTENT_SECURITY_POLICY ?? '',
    referrerPolicy: env.REFERRER_POLICY ?? '',
    strictTransportSecurity: env.STRICT_TRANSPORT_SECURITY ?? '',
  };
}

/** Headers for an HTML document; an empty configured value leaves its header out. */
export function htmlSecurityHeaders(config: SecurityConfig, connectOrigins: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (config.contentSecurityPolicy) {
    headers['Content-Security-Policy'] = withConnectSources(config.contentSecurityPolicy, connectOrigins);
  }
  if (config.referrerPolicy) headers['Referrer-Policy'] = config.referrerPolicy;
  if (config.strictTransportSecurity) headers['Strict-Transport-Security'] = config.strictTransportSecurity;
  return headers;
}

/**
 * Adds `origins` to the policy's connect-src (creating `connect-src 'self' ...` when the policy has
 * none), so the origins the build calls are allowed without repeating them in config.
 */
export function withConnectSources(policy: string, origins: readonly string[]): string {
  if (origins.length === 0) return policy;
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean);
  const index = directives.findIndex((d) => d.split(/\s+/)[0]?.toLowerCase() === 'connect-src');
  if (index === -1) return [...directives, `connect-src 'self' ${origins.join(' ')}`].join('; ');
  const sources = (directives[index] ?? '').split(/\s+/).slice(1);
  const missing = origins.filter((o) => !sources.includes(o));
  if (sources.length === 1 && sources[0] === "'none'") sources.length = 0;
  directives[index] = ['connect-src', ...sources, ...missing].join(' ');
  return directives.join('; ');
}
