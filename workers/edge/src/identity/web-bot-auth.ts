/**
 * Web Bot Auth: a request signed with RFC 9421 HTTP Message Signatures by an agent whose public key
 * is in the key directory its `Signature-Agent` header names (the
 * IETF webbotauth drafts). A valid signature
 * makes the request a verified agent whatever its User-Agent.
 *
 * The RFC 9421 work (parsing `Signature-Input` as an RFC 8941 dictionary, the signature base,
 * Ed25519) is Cloudflare's `http-message-sig` and `web-bot-auth` libraries; this module adds what
 * the protocol asks of a verifier on top:
 * - one signature, tagged `web-bot-auth`, with `keyid`, `created` and `expires`; `created` no later
 *   than `CLOCK_SKEW_SECONDS` from now and a validity window of at most `MAX_VALIDITY_SECONDS`
 *   (`expires` is checked by the library, strictly);
 * - `@authority` and `signature-agent` among the covered components, so the signature binds the
 *   site and the directory;
 * - `keyid` equal to the RFC 7638 thumbprint of a key in that directory;
 * - a nonce not seen before in this isolate (see `NonceCache` for what that guarantees).
 *
 * The `Signature-Agent` forms signed with a `key` parameter (`"signature-agent";key="sig1"`, a
 * dictionary member, in newer drafts) are not accepted: http-message-sig 0.2 builds the signature
 * base from the whole field and ignores `key`, so such a signature cannot be checked correctly;
 * those requests are unverifiable, and served as unverified.
 */
import { parseAcceptSignature, verify, type Component } from 'http-message-sig';
import { HTTP_MESSAGE_SIGNATURE_TAG } from 'web-bot-auth';
import type { BoundedMap } from '../../../../shared/bounded-map.ts';
import { directoryUrl, type KeyDirectories } from './key-directory.ts';

export const CLOCK_SKEW_SECONDS = 60;
export const MAX_VALIDITY_SECONDS = 24 * 3_600;

export type SignatureVerdict = { ok: true; agent: string; keyid: string } | { ok: false; reason: string };

/** Nonces of accepted signatures, each kept until its signature expires. */
export type NonceCache = BoundedMap<true>;

export interface SignatureDeps {
  directories: KeyDirectories;
  nonces: NonceCache;
  /** `http://localhost` and `http://127.0.0.1` directories are accepted (the site itself is local). */
  allowLocalDirectories: boolean;
  fetcher?: typeof fetch;
  now?: number;
}

/** True when the request carries signature headers at all: the only cost an unsigned request pays. */
export function isSigned(headers: Headers): boolean {
  return headers.has('Signature-Input');
}

function covers(components: readonly Component[], name: string): boolean {
  return components.some((component) => component === name);
}

class Rejected extends Error {}

export async function verifySignature(request: Request, deps: SignatureDeps): Promise<SignatureVerdict> {
  const now = deps.now ?? Date.now();
  const input = request.headers.get('Signature-Input');
  const agentHeader = request.headers.get('Signature-Agent');
  if (input === null || request.headers.get('Signature') === null) return { ok: false, reason: 'missing-signature' };

  let parsed: ReturnType<typeof parseAcceptSignature>;
  try {
    parsed = parseAcceptSignature(input);
  } catch {
    return { ok: false, reason: 'malformed-signature-input' };
  }
  const { components, parameters } = parsed;
  if (parameters.tag !== HTTP_MESSAGE_SIGNATURE_TAG) return { ok: false, reason: 'not-web-bot-auth' };
  const { keyid, created, expires, nonce } = parameters;
  if (typeof keyid !== 'string' || !(created instanceof Date) || !(expires instanceof Date)) {
    return { ok: false, reason: 'missing-parameters' };
  }
  if (created.getTime() > now + CLOCK_SKEW_SECONDS * 1000) return { ok: false, reason: 'created-in-future' };
  if (expires.getTime() < now) return { ok: false, reason: 'expired' };
  if (expires.getTime() - created.getTime() > MAX_VALIDITY_SECONDS * 1000) return { ok: false, reason: 'validity-too-long' };
  if (!covers(components, '@authority')) return { ok: false, reason: 'authority-not-covered' };
  if (agentHeader === null) return { ok: false, reason: 'missing-signature-agent' };
  if (!covers(components, 'signature-agent')) return { ok: false, reason: 'signature-agent-not-covered' };
  if (nonce !== undefined && (typeof nonce !== 'string' || deps.nonces.has(nonce, now))) return { ok: false, reason: 'replayed-nonce' };

  const url = directoryUrl(agentHeader, deps.allowLocalDirectories);
  if (url === null) return { ok: false, reason: 'signature-agent-not-allowed' };
  const directory = await deps.directories.get(url, deps.fetcher);
  if (!directory.ok) return { ok: false, reason: directory.reason };
  const key = directory.keys.get(keyid);
  if (!key) return { ok: false, reason: 'unknown-keyid' };

  try {
    await verify(request, async (data, signature) => {
      if (!(await crypto.subtle.verify('Ed25519', key, signature, new TextEncoder().encode(data)))) throw new Rejected();
    });
  } catch (error) {
    return { ok: false, reason: error instanceof Rejected ? 'bad-signature' : 'unverifiable-signature' };
  }
  // Recorded only once the signature holds: a forged request cannot burn a real agent's nonce.
  if (typeof nonce === 'string') {
    if (deps.nonces.has(nonce, now)) return { ok: false, reason: 'replayed-nonce' };
    deps.nonces.set(nonce, true, expires.getTime() - now + CLOCK_SKEW_SECONDS * 1000, now);
  }
  return { ok: true, agent: url.origin, keyid };
}
