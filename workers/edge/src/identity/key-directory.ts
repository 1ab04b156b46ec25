/**
 * Web Bot Auth key directories:
 * the JWKS an agent publishes at `/.well-known/http-message-signatures-directory` on the origin its
 * `Signature-Agent` header names. Fetched at most once per agent at a time, cached per isolate by
 * the directory's `Cache-Control` within bounds, failures cached too (negative cache), and never
 * allowed to stall a request: one deadline covers the connection and the body, the body is read up
 * to a size limit, and anything but a JSON key set is a failure.
 *
 * Which URLs may be fetched (the client chooses them, so this is the SSRF guard): https on a host
 * name with the default port, the well-known path only, no credentials, no query; while the site is
 * local (`npm start`) also `http://localhost` and `http://127.0.0.1` on any port.
 */
import { helpers, jwkToKeyID } from 'web-bot-auth';
import * as z from 'zod/mini';
import type { BoundedMap } from '../../../../shared/bounded-map.ts';
import { readLimited } from '../../../../shared/http/body.ts';
import { log } from '../../../../shared/log.ts';
import type { SingleFlight } from '../budget.ts';

export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory';

export interface DirectoryLimits {
  /** One deadline for the whole fetch, body included. */
  timeoutMs: number;
  maxBytes: number;
  /** Bounds on how long a fetched directory is trusted, whatever its Cache-Control says. */
  minTtlSeconds: number;
  maxTtlSeconds: number;
  /** Lifetime when the directory says nothing. */
  defaultTtlSeconds: number;
  /** How long a failure is remembered before the directory is tried again. */
  failureTtlSeconds: number;
}

export const DIRECTORY_LIMITS: DirectoryLimits = {
  timeoutMs: 1_500,
  maxBytes: 64 * 1024,
  minTtlSeconds: 60,
  maxTtlSeconds: 86_400,
  defaultTtlSeconds: 3_600,
  failureTtlSeconds: 60,
};

/** At most this many keys are read from one directory. */
const MAX_KEYS = 32;

export type Directory = { ok: true; keys: ReadonlyMap<string, CryptoKey> } | { ok: false; reason: string };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/**
 * The directory URL for a `Signature-Agent` value (an RFC 8941 string naming the agent's origin or
 * its directory), or null when it is malformed or not one the edge may fetch.
 */
export function directoryUrl(signatureAgent: string, allowLocal: boolean): URL | null {
  const quoted = /^"([\x20-\x21\x23-\x5b\x5d-\x7e]*)"$/.exec(signatureAgent.trim());
  const url = quoted ? URL.parse(quoted[1]!) : null;
  if (!url || url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' && url.pathname !== DIRECTORY_PATH) return null;
  const local = allowLocal && url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
  const public_ = url.protocol === 'https:' && url.port === '' && !IP_LITERAL.test(url.hostname) && !LOCAL_HOSTS.has(url.hostname);
  if (!local && !public_) return null;
  return new URL(DIRECTORY_PATH, url.origin);
}

/** RFC 9111 §5.2.2.1 `max-age`, clamped; `no-store` / `no-cache` get the minimum. */
export function directoryTtlSeconds(cacheControl: string | null, limits: DirectoryLimits): number {
  const value = cacheControl?.toLowerCase() ?? '';
  if (/(?:^|,)\s*no-(?:store|cache)\b/.test(value)) return limits.minTtlSeconds;
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/.exec(value);
  const seconds = maxAge ? Number(maxAge[1]) : limits.defaultTtlSeconds;
  return Math.min(limits.maxTtlSeconds, Math.max(limits.minTtlSeconds, seconds));
}

const jwks = z.object({
  keys: z.array(z.looseObject({ kty: z.string(), crv: z.optional(z.string()), x: z.optional(z.string()) })).check(z.maxLength(256)),
});

class DirectoryFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export class KeyDirectories {
  constructor(
    private readonly cache: BoundedMap<Directory>,
    private readonly flights: SingleFlight<Directory>,
    private readonly limits: DirectoryLimits = DIRECTORY_LIMITS,
  ) {}

  /** The keys of the directory at `url` by key id (RFC 7638 thumbprint), or why there are none. */
  get(url: URL, fetcher: typeof fetch = fetch): Promise<Directory> {
    const cached = this.cache.get(url.href);
    if (cached) return Promise.resolve(cached);
    return this.flights.run(url.href, () => this.#load(url, fetcher)).promise;
  }

  /** The keys of the directory at `href` if it is cached and was loaded; never fetches. */
  peek(href: string): ReadonlyMap<string, CryptoKey> | undefined {
    const cached = this.cache.get(href);
    return cached?.ok ? cached.keys : undefined;
  }

  async #load(url: URL, fetcher: typeof fetch): Promise<Directory> {
    let directory: Directory;
    let ttlSeconds = this.limits.failureTtlSeconds;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new DirectoryFailure('directory-timeout'));
      }, this.limits.timeoutMs);
    });
    try {
      const loaded = await Promise.race([this.#fetchKeys(url, fetcher, controller.signal), deadline]);
      directory = { ok: true, keys: loaded.keys };
      ttlSeconds = loaded.ttlSeconds;
    } catch (error) {
      directory = { ok: false, reason: error instanceof DirectoryFailure ? error.reason : 'directory-unreachable' };
    } finally {
      clearTimeout(timer);
    }
    this.cache.set(url.href, directory, ttlSeconds * 1000);
    log(directory.ok ? 'info' : 'warn', 'identity.directory', {
      url: url.href,
      ...(directory.ok ? { keys: directory.keys.size } : { reason: directory.reason }),
      ttlSeconds,
    });
    return directory;
  }

  async #fetchKeys(url: URL, fetcher: typeof fetch, signal: AbortSignal): Promise<{ keys: Map<string, CryptoKey>; ttlSeconds: number }> {
    const response = await fetcher(url, {
      headers: { Accept: 'application/http-message-signatures-directory+json' },
      redirect: 'manual',
      signal,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new DirectoryFailure(`directory-status-${response.status}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(response, this.limits.maxBytes);
    } catch {
      throw new DirectoryFailure('directory-too-large');
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new DirectoryFailure('directory-not-json');
    }
    const parsed = jwks.safeParse(body);
    if (!parsed.success) throw new DirectoryFailure('directory-not-jwks');
    const keys = new Map<string, CryptoKey>();
    for (const jwk of parsed.data.keys.slice(0, MAX_KEYS)) {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') continue;
      const publicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
      try {
        const keyid = await jwkToKeyID(publicJwk, helpers.WEBCRYPTO_SHA256, helpers.BASE64URL_DECODE);
        keys.set(keyid, await crypto.subtle.importKey('jwk', publicJwk, { name: 'Ed25519' }, false, ['verify']));
      } catch {
        // A malformed key is skipped; the others may still sign.
      }
    }
    return { keys, ttlSeconds: directoryTtlSeconds(response.headers.get('Cache-Control'), this.limits) };
  }
}
