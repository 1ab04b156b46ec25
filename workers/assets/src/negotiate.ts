/**
 * Content-coding negotiation: which stored variant of a file a client gets, from its
 * `Accept-Encoding` (RFC 9110 §12.5.3, https://www.rfc-editor.org/rfc/rfc9110#name-accept-encoding).
 *
 * - Each coding carries a weight `q` (default 1); `q=0` means "never".
 * - `*` weighs every coding the header does not name.
 * - `identity` (no coding) is acceptable unless excluded by `identity;q=0`, or by `*;q=0` when
 *   identity is not named; when not named it ranks below every coding the client did name.
 * - An empty header means "identity only". No header at all also gets identity: the RFC allows any
 *   coding then, but a client that says nothing (curl without --compressed, simple HTTP libraries)
 *   is safest served plain bytes, as nginx `gzip_static` and sirv do.
 * - Among acceptable variants the highest weight wins; on a tie (browsers send no weights) the
 *   smallest variant wins: that is the server's preference.
 */
export interface EncodedVariant {
  /** `br`, `zstd`, `gzip` or `identity`. */
  encoding: string;
  size: number;
}

/** Weight given to identity when the header does not name it: below the smallest qvalue (0.001). */
const IMPLICIT_IDENTITY = 0.0001;

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )  (RFC 9110 §12.4.2)
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** RFC 9110 §8.4.1.3: `x-gzip` is a recipient-side alias of `gzip`. */
const ALIASES: Record<string, string> = { 'x-gzip': 'gzip' };

/**
 * The weight of each coding named in the header (lower-cased). Malformed members (a bad token,
 * a qvalue outside the grammar) are skipped, as if not sent; the first mention of a coding wins.
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const member of header.split(',')) {
    const [rawCoding = '', ...params] = member.split(';').map((part) => part.trim().toLowerCase());
    if (rawCoding === '') continue;
    if (!TOKEN.test(rawCoding)) continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const [name, value] = param.split('=').map((part) => part.trim());
      if (name !== 'q') continue; // other parameters carry no meaning for codings
      if (value === undefined || !QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    if (!valid) continue;
    const coding = ALIASES[rawCoding] ?? rawCoding;
    if (!weights.has(coding)) weights.set(coding, q);
  }
  return weights;
}

/** The weight a parsed header gives `coding`: 0 means not acceptable. */
export function weightOf(weights: ReadonlyMap<string, number>, coding: string): number {
  const named = weights.get(coding);
  if (named !== undefined) return named;
  const star = weights.get('*');
  if (coding === 'identity') return star === 0 ? 0 : IMPLICIT_IDENTITY;
  return star ?? 0;
}

/**
 * The variant to send, or null when the client accepts none of them (the caller answers 406,
 * RFC 9110 §12.1). `acceptEncoding` null means the request had no Accept-Encoding header.
 */
export function chooseEncoding<V extends EncodedVariant>(acceptEncoding: string | null, variants: readonly V[]): V | null {
  return chooseByWeights(acceptEncoding === null ? null : parseAcceptEncoding(acceptEncoding), variants);
}

/** `chooseEncoding` on a header parsed once by the caller (`parseAcceptEncoding`; null: no header). */
export function chooseByWeights<V extends EncodedVariant>(weights: ReadonlyMap<string, number> | null, variants: readonly V[]): V | null {
  if (weights === null) {
    return variants.find((v) => v.encoding === 'identity') ?? null;
  }
  let best: V | null = null;
  let bestWeight = 0;
  for (const variant of variants) {
    const weight = weightOf(weights, variant.encoding);
    if (weight <= 0) continue;
    if (best === null || weight > bestWeight || (weight === bestWeight && variant.size < best.size)) {
      best = variant;
      bestWeight = weight;
    }
  }
  return best;
}
