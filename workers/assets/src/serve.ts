/**
 * Serving one request from the build: the I/O shell around the pure decisions in this folder.
 * Order: method -> path -> file of the current build, SPA fallback, or file of an earlier build
 * (history.ts) -> encoding, a delta when the client has its dictionary (dictionary.ts) ->
 * preconditions -> HEAD / Range -> bytes from the ASSETS binding (or the history's store), sent
 * untouched. A file of the current build skips the middle steps when the isolate has answered the
 * same path, Accept-Encoding and Available-Dictionary before (`Answer`). Each request header is
 * read where the answer depends on it, and bounded there (431).
 */
import { BoundedMap } from '../../../shared/bounded-map.ts';
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
import { decodeRequestPath, pathOfRequestUrl } from './paths.ts';
import { ifRangeAllows, parseRange } from './range.ts';

export const ALLOWED_METHODS = ['GET', 'HEAD'] as const;

/**
 * Request headers this worker parses are read at most this long. Browsers send tens of bytes; far
 * more is an attack or a bug, answered 431 (RFC 6585 §5) instead of being parsed.
 */
export const MAX_HEADER_LENGTH = 2048;

/** What serving needs: the binding, and the isolate's config, manifest and bytes (state.ts). */
export interface ServeOptions {
  assets: Fetcher;
  security: SecurityConfig;
  manifest: ManifestLoader;
  /** Hashed files of earlier builds, for a path the current build does not have. */
  history: History;
  /** Bytes of stored variants by strong ETag: a tag names one byte string, so never stale. */
  bytes: BoundedMap<Uint8Array>;
  /** Negotiated answers for files of the current build, by request shape (`answerKey`). */
  answers: BoundedMap<Answer>;
}

/**
 * What a request for a file of the current build is answered with, before its preconditions and
 * range: a pure function of the manifest, the path, the client's Accept-Encoding and its
 * Available-Dictionary. Browsers repeat the same two header values on every request, so an
 * isolate keeps the answer per shape instead of negotiating again.
 */
export interface Answer {
  /** The manifest the answer was made from: a reloaded manifest makes it stale. */
  manifest: Manifest;
  entry: ManifestEntry;
  variant: StoredVariant;
  headers: Readonly<Record<string, string>>;
}

/** An isolate's `answers`: keys carry two header values of up to 2 KB each, so bounded in bytes too. */
export function answerMap(): BoundedMap<Answer> {
  return new BoundedMap<Answer>({ maxEntries: 2_000, maxBytes: 2 * 1024 * 1024, sizeOf: (_answer, key) => 2 * key.length });
}

export async function serveAsset(request: Request, options: ServeOptions): Promise<Response> {
  const method = request.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(ALLOWED_METHODS);
  const sent = boundedHeaders(request.headers);
  const path = decodeRequestPath(pathOfRequestUrl(request.url));
  const acceptEncoding = bounded('Accept-Encoding', clientAcceptEncoding(request));
  const availableDictionary = sent.get('Available-Dictionary');

  const manifest = await options.manifest.load();
  const key = answerKey(path, acceptEncoding, availableDictionary);
  let answer = options.answers.get(key);
  let earlier = false;
  if (answer?.manifest !== manifest) {
    let entry = findEntry(manifest, path);
    const current = entry !== null;
    if (!entry) {
      if (isSpaNavigation(path, sent)) entry = findEntry(manifest, '/index.html');
      else {
        // Never HTML for a subresource: a file of an earlier build, or a 404.
        entry = await options.history.find(path);
        earlier = entry !== null;
      }
      if (!entry) throw new HttpError(404, 'not_found', `no file at ${path}`, { field: 'path' });
    }
    answer = negotiate(manifest, entry, acceptEncoding, availableDictionary, options.security);
    // A fallback's answer also depends on the navigation headers, an earlier build's on the history.
    if (current) options.answers.set(key, answer);
  }
  const { entry, variant, headers } = answer;

  const preconditions = {
    ifMatch: sent.get('If-Match'),
    ifNoneMatch: sent.get('If-None-Match'),
    ifModifiedSince: sent.get('If-Modified-Since'),
    ifUnmodifiedSince: sent.get('If-Unmodified-Since'),
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
  const rangeHeader = method === 'GET' && variant.encoding === 'identity' ? sent.get('Range') : null;
  const range =
    rangeHeader !== null && ifRangeAllows(sent.get('If-Range'), variant.etag, entry.lastModified)
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

/** `value` of the request header `name`, or a 431 when it is too long to parse. */
function bounded(name: string, value: string | null): string | null {
  if (value !== null && value.length > MAX_HEADER_LENGTH) {
    throw new HttpError(431, 'header_too_large', `${name} is longer than ${MAX_HEADER_LENGTH} characters`, { field: name.toLowerCase() });
  }
  return value;
}

/** The request's headers as this worker reads them: each only where the answer needs it, bounded. */
function boundedHeaders(headers: Headers): { get(name: string): string | null } {
  return { get: (name) => bounded(name, headers.get(name)) };
}

/** The `answers` key of a request: its path and the two header values its answer depends on. */
function answerKey(path: string, acceptEncoding: string | null, availableDictionary: string | null): string {
  // A newline is in neither a path nor a header value; "\0" stands for an absent Accept-Encoding.
  return `${path}\n${acceptEncoding ?? '\0'}\n${availableDictionary ?? ''}`;
}

/**
 * The variant of `entry` a client gets (a delta when it has the dictionary and names the coding),
 * with its headers, or a 406 naming the encodings there are.
 */
function negotiate(
  manifest: Manifest,
  entry: ManifestEntry,
  acceptEncoding: string | null,
  availableDictionary: string | null,
  security: SecurityConfig,
): Answer {
  const weights = acceptEncoding === null ? null : parseAcceptEncoding(acceptEncoding);
  let candidates = entry.variants;
  if (entry.deltas) {
    const dictionary = dictionaryOffered(availableDictionary, entry.deltas);
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
  return { manifest, entry, variant, headers: Object.freeze(responseHeaders(entry, variant, vary, manifest, security)) };
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
