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
 * A signature without a nonce seen before in this isolate skips the parse and Ed25519 when its
 * verdict for the same signature base and key is remembered (`SignatureMemo`); the rules above
 * that depend on the clock are checked on every request all the same.
 *
 * The `Signature-Agent` forms signed with a `key` parameter (`"signature-agent";key="sig1"`, a
 * dictionary member, in newer drafts) are not accepted: http-message-sig 0.2 builds the signature
 * base from the whole field and ignores `key`, so such a signature cannot be checked correctly;
 * those requests are unverifiable, and served as unverified.
 */
import { parseAcceptSignature, verify, type Parameters } from 'http-message-sig';
import { HTTP_MESSAGE_SIGNATURE_TAG } from 'web-bot-auth';
import type { BoundedMap } from '../../../../shared/bounded-map.ts';
import { directoryUrl, type KeyDirectories } from './key-directory.ts';
import type { SignatureMemo } from './signature-memo.ts';

export const CLOCK_SKEW_SECONDS = 60;
export const MAX_VALIDITY_SECONDS = 24 * 3_600;

export type SignatureVerdict = { ok: true; agent: string; keyid: string } | { ok: false; reason: string };

/** Nonces of accepted signatures, each kept until its signature expires. */
export type NonceCache = BoundedMap<true>;

export interface SignatureDeps {
  directories: KeyDirectories;
  nonces: NonceCache;
  /** Parses and verdicts of signatures without a nonce. */
  memo: SignatureMemo;
  /** `http://localhost` and `http://127.0.0.1` directories are accepted (the site itself is local). */
  allowLocalDirectories: boolean;
  fetcher?: typeof fetch;
  now?: number;
}

/** True when the request carries signature headers at all: the only cost an unsigned request pays. */
export function isSigned(headers: Headers): boolean {
  return headers.has('Signature-Input');
}

/**
 * The covered components named in a signature base (RFC 9421 §2.5): each line but the last is
 * `"<name>": <value>`, or `"<name>";<parameters>: <value>` for a component with parameters, which is
 * not listed here (as `Signature-Agent` signed with `key` is not accepted, see above). Field values
 * hold no line breaks (RFC 9110 §5.5), so a line cannot pose as a component.
 */
function coveredIn(base: string): string[] {
  const names: string[] = [];
  for (const line of base.split('\n')) {
    const name = /^"([^"]+)": /.exec(line)?.[1];
    if (name !== undefined && name !== '@signature-params') names.push(name);
  }
  return names;
}

/**
 * What the protocol asks before any crypto: the tag, the parameters, the clock, the covered
 * components and a nonce not seen before. The reason a signature is refused, or null.
 */
function precheck(
  components: readonly string[],
  parameters: Parameters,
  agentHeader: string | null,
  deps: SignatureDeps,
  now: number,
): string | null {
  if (parameters.tag !== HTTP_MESSAGE_SIGNATURE_TAG) return 'not-web-bot-auth';
  const { keyid, created, expires, nonce } = parameters;
  if (typeof keyid !== 'string' || !(created instanceof Date) || !(expires instanceof Date)) return 'missing-parameters';
  if (created.getTime() > now + CLOCK_SKEW_SECONDS * 1000) return 'created-in-future';
  if (expires.getTime() < now) return 'expired';
  if (expires.getTime() - created.getTime() > MAX_VALIDITY_SECONDS * 1000) return 'validity-too-long';
  if (!components.includes('@authority')) return 'authority-not-covered';
  if (agentHeader === null) return 'missing-signature-agent';
  if (!components.includes('signature-agent')) return 'signature-agent-not-covered';
  if (nonce !== undefined && (typeof nonce !== 'string' || deps.nonces.has(nonce, now))) return 'replayed-nonce';
  return null;
}

/** Why the library refused a signature before handing it over: the first rule it breaks, else unverifiable. */
function refusedBeforeVerify(input: string, agentHeader: string | null, deps: SignatureDeps, now: number): string {
  let parsed: ReturnType<typeof parseAcceptSignature>;
  try {
    parsed = parseAcceptSignature(input);
  } catch {
    return 'malformed-signature-input';
  }
  const components = parsed.components.filter((component): component is string => typeof component === 'string');
  return precheck(components, parsed.parameters, agentHeader, deps, now) ?? 'unverifiable-signature';
}

class Rejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Verifies in one pass of the library: it parses `Signature-Input` and builds the signature base
 * once, and hands both over; the protocol's checks run on what it parsed, then the key lookup, then
 * Ed25519. Only a signature the library refuses on its own is parsed a second time, to say why.
 * Before that, a signature without a nonce seen before is answered from `deps.memo` when it can be.
 */
export async function verifySignature(request: Request, deps: SignatureDeps): Promise<SignatureVerdict> {
  const now = deps.now ?? Date.now();
  const input = request.headers.get('Signature-Input');
  const signatureField = request.headers.get('Signature');
  const agentHeader = request.headers.get('Signature-Agent');
  if (input === null || signatureField === null) return { ok: false, reason: 'missing-signature' };

  const remembered = deps.memo.input(input, now);
  if (remembered) {
    const refused = precheck(remembered.components, remembered.parameters, agentHeader, deps, now);
    if (refused !== null) return { ok: false, reason: refused };
    const base = deps.memo.base(request, remembered);
    const keyOf = (directory: string, keyid: string) => deps.directories.peek(directory)?.get(keyid);
    const outcome = base === null ? undefined : deps.memo.verdict(base, remembered.label, signatureField, keyOf, now);
    if (outcome) return outcome;
  }

  let accepted: { agent: string; keyid: string; nonce: unknown; expires: number };
  try {
    accepted = await verify(request, async (data, signature, parameters) => {
      const refused = precheck(coveredIn(data), parameters, agentHeader, deps, now);
      if (refused !== null) throw new Rejected(refused);
      const url = directoryUrl(agentHeader!, deps.allowLocalDirectories);
      if (url === null) throw new Rejected('signature-agent-not-allowed');
      const directory = await deps.directories.get(url, deps.fetcher);
      if (!directory.ok) throw new Rejected(directory.reason);
      const keyid = parameters.keyid as string;
      const key = directory.keys.get(keyid);
      if (!key) throw new Rejected('unknown-keyid');
      const expires = (parameters.expires as Date).getTime();
      const valid = await crypto.subtle.verify('Ed25519', key, signature, new TextEncoder().encode(data));
      if (parameters.nonce === undefined) {
        // Ed25519's answer for these bytes and this key, whichever it is, for the next time they come.
        const parsed = remembered ?? deps.memo.rememberInput(input, now);
        // Frozen: one object answers every request that repeats the signature.
        const outcome = Object.freeze(
          valid ? ({ ok: true, agent: url.origin, keyid } as const) : ({ ok: false, reason: 'bad-signature' } as const),
        );
        if (parsed) deps.memo.remember(data, parsed.label, signatureField, { outcome, directory: url.href, keyid, key }, expires, now);
      }
      if (!valid) throw new Rejected('bad-signature');
      return { agent: url.origin, keyid, nonce: parameters.nonce, expires };
    });
  } catch (error) {
    return { ok: false, reason: error instanceof Rejected ? error.reason : refusedBeforeVerify(input, agentHeader, deps, now) };
  }
  const { agent, keyid, nonce, expires } = accepted;
  // Recorded only once the signature holds: a forged request cannot burn a real agent's nonce.
  if (typeof nonce === 'string') {
    if (deps.nonces.has(nonce, now)) return { ok: false, reason: 'replayed-nonce' };
    deps.nonces.set(nonce, true, expires - now + CLOCK_SKEW_SECONDS * 1000, now);
  }
  return { ok: true, agent, keyid };
}
