/**
 * Verdicts of Web Bot Auth signatures without a nonce, remembered per isolate. Such a signature
 * usually covers only `@authority` and `signature-agent`, not the path, so an agent may send the
 * same one on every page within its validity window; verifying the same bytes with the same key
 * again gives the same answer. A signature with a nonce is single use and never remembered here
 * (a repeat of its nonce is a replay, see `NonceCache`).
 *
 * Sound by construction: a verdict is keyed by the exact signature base (every covered component's
 * value as this request sends it, and the `@signature-params` line, i.e. the whole
 * `Signature-Input` but its label), the label, and the `Signature` field, and it holds the
 * `CryptoKey` it was checked with; it counts only while the key directory still maps its keyid to
 * that very `CryptoKey` object (a refetched directory imports new keys, so a fresh verification).
 * The base is built by the same library code that builds it for a full verification
 * (`http-message-sig`), from the same parse of the same `Signature-Input`. Only cryptographic
 * outcomes are kept (the signature verifies with that key, or does not), never a directory that
 * failed. The clock rules (`created`, `expires`, skew, validity) are not part of a verdict: the
 * caller checks them against now on every request, and an entry lives until its `expires`.
 *
 * The parse of each such `Signature-Input` is remembered too, by its raw value, so a repeated
 * header skips the RFC 8941 parse as well as Ed25519.
 */
import { parseAcceptSignature, signatureHeadersSync, type Parameters } from 'http-message-sig';
import { BoundedMap } from '../../../../shared/bounded-map.ts';

/** What one `Signature-Input` says, as the library parses it. */
export interface ParsedInput {
  /** The dictionary key (`sig1`): the `Signature` field must use the same. */
  label: string;
  /** Covered components, all plain names (a component with parameters is never remembered). */
  components: string[];
  parameters: Parameters;
  /** The `@signature-params` value: the raw field after its label, as the library signs it. */
  signatureParams: string;
}

export type CachedOutcome = { ok: true; agent: string; keyid: string } | { ok: false; reason: 'bad-signature' };

export interface Verdict {
  outcome: CachedOutcome;
  /** The key directory (its URL) and the key the signature was checked with. */
  directory: string;
  keyid: string;
  key: CryptoKey;
}

export interface SignatureMemoLimits {
  entries: number;
  bytes: number;
  /** Longest `Signature-Input` remembered; longer ones are verified every time. */
  maxInputLength: number;
  /** Longest `Signature` field remembered (an Ed25519 signature is 88 base64 characters). */
  maxSignatureLength: number;
  /** Longest signature base remembered. */
  maxBaseLength: number;
}

export const SIGNATURE_MEMO_LIMITS: SignatureMemoLimits = {
  entries: 10_000,
  bytes: 8 * 1024 * 1024,
  maxInputLength: 1_024,
  maxSignatureLength: 256,
  maxBaseLength: 4_096,
};

const PARAMS_LINE = '\n"@signature-params": ';
/** Per entry beyond its key: the objects an entry holds. */
const ENTRY_OVERHEAD_BYTES = 256;

export class SignatureMemo {
  readonly #inputs: BoundedMap<ParsedInput>;
  readonly #verdicts: BoundedMap<Verdict>;

  constructor(private readonly limits: SignatureMemoLimits = SIGNATURE_MEMO_LIMITS) {
    // Strings are UTF-16 in memory: two bytes a character.
    const sizeOf = (_value: unknown, key: string) => key.length * 2 + ENTRY_OVERHEAD_BYTES;
    this.#inputs = new BoundedMap<ParsedInput>({ maxEntries: limits.entries, maxBytes: limits.bytes / 4, sizeOf });
    this.#verdicts = new BoundedMap<Verdict>({ maxEntries: limits.entries, maxBytes: limits.bytes, sizeOf });
  }

  /** The parse of a remembered `Signature-Input` (one without a nonce), or undefined. */
  input(signatureInput: string, now: number): ParsedInput | undefined {
    return this.#inputs.get(signatureInput, now);
  }

  /**
   * Parses `signatureInput` and remembers it until its `expires` when it has no nonce and only plain
   * components; returns what it remembered, or null.
   */
  rememberInput(signatureInput: string, now: number): ParsedInput | null {
    if (signatureInput.length > this.limits.maxInputLength) return null;
    let parsed: ReturnType<typeof parseAcceptSignature>;
    try {
      parsed = parseAcceptSignature(signatureInput);
    } catch {
      return null;
    }
    const { key, components, parameters } = parsed;
    if (parameters.nonce !== undefined || !(parameters.expires instanceof Date)) return null;
    if (!components.every((component): component is string => typeof component === 'string')) return null;
    // What the library's verifier signs as `@signature-params`.
    const input = { label: key, components, parameters, signatureParams: signatureInput.replace(/^[^=]+=/, '') };
    this.#inputs.set(signatureInput, input, parameters.expires.getTime() - now, now);
    return input;
  }

  /**
   * The signature base of `request` for `parsed`: the library's own builder (handed a signer that
   * only keeps what it is given), with the `@signature-params` line the verifier uses, the raw
   * field's, in place of the one the signer side would write. Null when the library cannot build it.
   */
  base(request: Request, parsed: ParsedInput): string | null {
    let data = '';
    try {
      signatureHeadersSync(request, {
        signer: {
          keyid: '',
          alg: 'ed25519',
          signSync(signed) {
            data = signed;
            return new Uint8Array();
          },
        },
        components: parsed.components,
        created: new Date(0),
      });
    } catch {
      return null;
    }
    // Field values hold no line breaks (RFC 9110 §5.5): the last such line is the parameters'.
    const end = data.lastIndexOf(PARAMS_LINE);
    return end < 0 ? null : `${data.slice(0, end)}${PARAMS_LINE}${parsed.signatureParams}`;
  }

  /** The remembered outcome for this signature base, label and `Signature` field, if `keyOf` still holds its key. */
  verdict(
    base: string,
    label: string,
    signature: string,
    keyOf: (directory: string, keyid: string) => CryptoKey | undefined,
    now: number,
  ): CachedOutcome | undefined {
    const verdict = this.#verdicts.get(verdictKey(base, label, signature), now);
    if (verdict === undefined || keyOf(verdict.directory, verdict.keyid) !== verdict.key) return undefined;
    return verdict.outcome;
  }

  /** Remembers what Ed25519 said of this signature with `verdict.key`, until the signature's `expires`. */
  remember(base: string, label: string, signature: string, verdict: Verdict, expires: number, now: number): void {
    if (base.length > this.limits.maxBaseLength || signature.length > this.limits.maxSignatureLength) return;
    this.#verdicts.set(verdictKey(base, label, signature), verdict, expires - now, now);
  }
}

function verdictKey(base: string, label: string, signature: string): string {
  return `${label}\n${signature}\n${base}`;
}
