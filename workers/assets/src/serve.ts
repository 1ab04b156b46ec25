/**
 * Serving one request from the build: the I/O shell around the pure decisions in this folder.
 * Order: method -> header sanity -> path -> file of the current build, SPA fallback, or file of an
 * earlier build (history.ts) -> encoding, a delta when the client has its dictionary
 * (dictionary.ts) -> preconditions -> HEAD / Range -> bytes from the ASSETS binding (or the
 * history's store), sent untouched.
 */
import type { BoundedMap } from '../../../shared/bounded-map.ts';
import { HttpError, methodNotAllowed, serviceUnavailable } from '../../../shared/http/errors.ts';
import { evaluatePreconditions } from './conditional.ts';
import { cacheControlFor, htmlSecurityHeaders, type SecurityConfig } from './headers.ts';
import { parseAvailableDictionary, usableDeltas, useAsDictionary } from './dictionary.ts';
import type { History } from './history.ts';
import {
  assetUrl,
  findEntry,
  type Manifest,
  type ManifestEntry,
  type ManifestLoader,
  type StoredDelta,
  type StoredVariant,
} from './manifest.ts';
import { isSpaNavigation } from './navigation.ts';
import { chooseByWeights, parseAcceptEncoding } from './negotiate.ts';
import { decodeRequestPath } from './paths.ts';
import { ifRangeAllows, parseRange } from './range.ts';

export const ALLOWED_METHODS = ['GET', 'HEAD'] as const;

/**
 * Request headers this worker parses, and the most it reads of each. Browsers send tens of bytes;
 * far more is an attack or a bug, answered 431 (RFC 6585 §5) instead of being parsed.
 */
export const MAX_HEADER_LENGTH = 2048;
type ParsedHeader = Lowercase<(typeof PARSED_HEADERS)[number]>;
const PARSED_HEADERS = [
  'Accept',
  'Accept-Encoding',
  'Available-Dictionary',
  'If-Match',
  'If-None-Match',
  'If-Modified-Since',
  'If-Unmodified-Since',
  'If-Range',
  'Range',
  'Sec-Fetch-Dest',
  'Sec-Fetch-Mode',
] as const;

/** What serving needs: the binding, and the isolate's config, manifest and bytes (state.ts). */
export interface ServeOptions {
  assets: Fetcher;
  security: SecurityConfig;
  manifest: ManifestLoader;
  /** Hashed files of earlier builds, for a path the current build does not have. */
  history: History;
  /** Bytes of stored variants by strong ETag: a tag names one byte string, so never stale. */
  bytes: BoundedMap<Uint8Array>;
}

export async function serveAsset(request: Request, options: ServeOptions): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(ALLOWED_METHODS);
  const sent = readParsedHeaders(request.headers);
  const path = decodeRequestPath(new URL(request.url).pathname);

  const manifest = await options.manifest.load();
  let entry = findEntry(manifest, path);
  let earlier = false;
  if (!entry) {
    if (isSpaNavigation(path, request.headers)) entry = findEntry(manifest, '/index.html');
    else {
      // Never HTML for a subresource: a file of an earlier build, or a 404.
      entry = await options.history.find(path);
      earlier = entry !== null;
    }
    if (!entry) throw new HttpError(404, 'not_found', `no file at ${path}`, { field: 'path' });
  }

  const acceptEncoding = clientAcceptEncoding(request);
  const weights = acceptEncoding === null ? null : parseAcceptEncoding(acceptEncoding);
  let candidates = entry.variants;
  if (entry.deltas) {
    const dictionary = dictionaryOffered(sent['available-dictionary'], entry.deltas);
    const deltas = dictionary === null ? [] : usableDeltas(entry.deltas, dictionary, weights);
    if (deltas.length > 0) candidates = [...deltas, ...entry.variants];
  }
  const variant = chooseByWeights(weights, candidates);
  const vary = varyOf(entry);
  if (!variant) {
    throw new HttpError(
      406,
      'not_acceptable',
      `Accept-Encoding rules out every available encoding (${entry.variants.map((v) => v.encoding).join(', ')})`,
      {
        field: 'accept-encoding',
        headers: vary ? { Vary: vary } : {},
      },
    );
  }

  const headers = responseHeaders(entry, variant, vary, manifest, options.security);
  const preconditions = {
    ifMatch: sent['if-match'],
    ifNoneMatch: sent['if-none-match'],
    ifModifiedSince: sent['if-modified-since'],
    ifUnmodifiedSince: sent['if-unmodified-since'],
  };
  const outcome = evaluatePreconditions(method, preconditions, {
    etag: variant.etag,
    lastModified: entry.lastModified,
  });
  if (outcome === 'not-modified') return notModified(headers);
  if (outcome === 'precondition-failed') {
    throw new HttpError(412, 'precondition_failed', 'If-Match or If-Unmodified-Since does not hold for this file');
  }

  // Ranges are served on the identity bytes only; on an encoded answer Range is ignored (RFC 9110 §14.2 allows it).
  const rangeHeader = method === 'GET' && variant.encoding === 'identity' ? sent.range : null;
  const range =
    rangeHeader !== null && ifRangeAllows(sent['if-range'], variant.etag, entry.lastModified)
      ? parseRange(rangeHeader, variant.size)
      : null;
  if (range === 'unsatisfiable') {
    throw new HttpError(416, 'range_not_satisfiable', `the file is ${variant.size} bytes long`, {
      field: 'range',
      headers: { 'Content-Range': `bytes */${variant.size}` },
    });
  }

  if (method === 'HEAD') {
    return new Response(null, { status: 200, headers: { ...headers, 'Content-Length': String(variant.size) }, encodeBody: 'manual' });
  }

  const hotBytes = options.bytes;
  const cached = hotBytes.get(variant.etag);
  let body: Uint8Array | ReadableStream;
  if (cached) {
    body = cached;
  } else {
    const stored = earlier ? await options.history.read(variant.path) : await options.assets.fetch(assetUrl(variant.path));
    if (!stored?.ok || !stored.body) {
      // The manifest names a file the store does not have: a build swapped under a running worker,
      // or a window pruned after its manifest was read.
      await stored?.body?.cancel();
      if (earlier) options.history.reload();
      else options.manifest.reload();
      throw serviceUnavailable(1, 'the build is being replaced; retry');
    }
    if (hotBytes.fits(variant.size) || range) {
      body = new Uint8Array(await stored.arrayBuffer());
      hotBytes.set(variant.etag, body);
    } else {
      body = stored.body;
    }
  }

  if (range) {
    const bytes = body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());
    const partial = { ...headers, 'Content-Range': `bytes ${range.start}-${range.end}/${variant.size}` };
    return new Response(bytes.subarray(range.start, range.end + 1), { status: 206, headers: partial });
  }
  // encodeBody "manual": the body already is `Content-Encoding`-encoded; the runtime must not encode it again.
  return new Response(body, { status: 200, headers, encodeBody: 'manual' });
}

/**
 * The client's own Accept-Encoding. Cloudflare's edge (and Miniflare, which mimics it) rewrites the
 * header to what it would compress with (`br, gzip`) and keeps the client's original in
 * `request.cf.clientAcceptEncoding`, where "" means the client sent none: identity, not the rewrite.
 * Without a `cf` field (a service binding call that dropped it, tests) the header is all there is.
 */
export function clientAcceptEncoding(request: Request): string | null {
  const fromEdge = (request.cf as { clientAcceptEncoding?: unknown } | undefined)?.clientAcceptEncoding;
  if (typeof fromEdge === 'string') return fromEdge;
  return request.headers.get('Accept-Encoding');
}

/**
 * The request headers an entry's answer depends on (RFC 9110 §12.5.5): Accept-Encoding when it has
 * several variants, and Available-Dictionary too when it has deltas (RFC 9842 requires both), on
 * every answer for it, so a cache never hands a delta to a client without its dictionary.
 */
export function varyOf(entry: ManifestEntry): string | null {
  if (entry.deltas?.length) return 'Accept-Encoding, Available-Dictionary';
  return entry.variants.length > 1 ? 'Accept-Encoding' : null;
}

/**
 * The answer's headers as a plain record: the runtime takes one in a single call, where a Headers
 * object built field by field costs a crossing per field and a copy when the Response is made.
 */
function responseHeaders(
  entry: ManifestEntry,
  variant: StoredVariant,
  vary: string | null,
  manifest: Manifest,
  security: SecurityConfig,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': entry.contentType,
    'Cache-Control': cacheControlFor(entry),
    ETag: variant.etag,
    'Last-Modified': entry.lastModified,
    'X-Content-Type-Options': 'nosniff',
    'Accept-Ranges': variant.encoding === 'identity' ? 'bytes' : 'none',
  };
  if (vary) headers.Vary = vary;
  if (variant.encoding !== 'identity') headers['Content-Encoding'] = variant.encoding;
  if (entry.dictionary) headers['Use-As-Dictionary'] = useAsDictionary(entry.dictionary.match);
  if (entry.contentType.startsWith('text/html')) Object.assign(headers, htmlSecurityHeaders(security, manifest.connectSrc ?? []));
  return headers;
}

/** RFC 9110 §15.4.5: a 304 carries the validators and caching headers a 200 would have, no content headers. */
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'etag',
  'last-modified',
  'vary',
  'use-as-dictionary',
  'x-content-type-options',
  'content-security-policy',
  'referrer-policy',
  'strict-transport-security',
]);

function notModified(headers: Readonly<Record<string, string>>): Response {
  const kept = Object.entries(headers).filter(([name]) => NOT_MODIFIED_HEADERS.has(name.toLowerCase()));
  return new Response(null, { status: 304, headers: kept });
}

/**
 * The parsed request headers, each read once (by lower-cased name); any longer than
 * MAX_HEADER_LENGTH is a 431 before anything is parsed.
 */
function readParsedHeaders(headers: Headers): Record<ParsedHeader, string | null> {
  const sent = {} as Record<ParsedHeader, string | null>;
  for (const name of PARSED_HEADERS) {
    const value = headers.get(name);
    if (value !== null && value.length > MAX_HEADER_LENGTH) {
      throw new HttpError(431, 'header_too_large', `${name} is longer than ${MAX_HEADER_LENGTH} characters`, { field: name.toLowerCase() });
    }
    sent[name.toLowerCase() as ParsedHeader] = value;
  }
  return sent;
}

/**
 * The dictionary hash the request offers: the stored form when the header is exactly one of the
 * entry's dictionaries as a Byte Sequence (what a browser sends), else the header parsed.
 */
function dictionaryOffered(header: string | null, deltas: readonly StoredDelta[]): string | null {
  if (header === null) return null;
  for (const delta of deltas) if (header === `:${delta.dictionary}:`) return delta.dictionary;
  return parseAvailableDictionary(header);
}
