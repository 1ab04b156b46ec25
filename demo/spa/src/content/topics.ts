/**
 * Article bodies in Markdown, one per topic. `{{...}}` placeholders are filled per article id by
 * ../views/article.ts (measurements, dates, part numbers), so every id reads as its own article.
 */
/** Raw template (backslashes kept, for regexes in code samples) where \` stands for a backtick. */
function md(strings: TemplateStringsArray, ...values: unknown[]): string {
  return String.raw(strings, ...values).replace(/\\`/g, '`');
}

export const TOPIC_BODIES: readonly string[] = [
  md`
Every compressible file of the build ships in up to three encodings made at deploy time:
Brotli at quality 11, zstd at level 19 and gzip at level 9. A worker picks one per request from the
client's \`Accept-Encoding\` and sends the stored bytes untouched.

## Why not compress on the fly?

On-the-fly compression has to be fast, so it runs at low levels. Deploy-time compression runs
once, so it can afford the slowest, smallest settings. For this build the front page script shrank
from **{{identityKb}} KB** to **{{brKb}} KB** with Brotli, against **{{gzipKb}} KB** with gzip.

~~~ts
import { brotliCompressSync, constants, gzipSync, zstdCompressSync } from 'node:zlib';

const br = brotliCompressSync(bytes, {
  params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
});
const zst = zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: 19 } });
const gz = gzipSync(bytes, { level: 9 });
~~~

## Negotiation is a ranking, not a lookup

RFC 9110 §12.5.3 gives every coding a weight. \`q=0\` means _never_, \`*\` stands for every coding
not named, and \`identity\` is acceptable unless it is ruled out explicitly.

~~~http
GET /assets/index.3f9a1c2b.js HTTP/1.1
Accept-Encoding: br;q=0, gzip;q=0.8, *;q=0.1
~~~

Here Brotli is forbidden, gzip is preferred, and zstd is acceptable but a poor second.

| client sends   | served                         |
| -------------- | ------------------------------ |
| \`br, gzip\`     | br                             |
| \`br;q=0, gzip\` | gzip                           |
| \`identity;q=0\` | 406 unless a coding is allowed |
| _(empty)_      | identity                       |

Part {{part}} measured {{samples}} requests; the median saving was {{saving}}%.
  `,
  md`
A browser that already holds a file asks again with a validator: the \`ETag\` it got last time in
\`If-None-Match\`, or the \`Last-Modified\` date in \`If-Modified-Since\`. When nothing changed the
answer is a bodiless **304 Not Modified**.

## Strong tags per encoding

The gzip bytes and the Brotli bytes of one file are different representations, so they get
different strong tags:

~~~json
{
  "path": "/assets/index.3f9a1c2b.js",
  "variants": {
    "br": { "etag": "\"b-6c1e0f\"", "size": 48211 },
    "gzip": { "etag": "\"g-91d2aa\"", "size": 61870 },
    "identity": { "etag": "\"i-0a77c3\"", "size": 201344 }
  }
}
~~~

## The order of evaluation matters

RFC 9110 §13.2.2 fixes it: \`If-Match\`, then \`If-Unmodified-Since\`, then \`If-None-Match\`, then
\`If-Modified-Since\`. A date is only consulted when no entity tag was sent.

~~~ts
export function isFresh(ifNoneMatch: string | null, etag: string): boolean {
  if (ifNoneMatch === null) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
~~~

In part {{part}} a warm cache answered {{hitRate}}% of {{samples}} revalidations with 304.
  `,
  md`
Crawlers that do not run JavaScript see an empty shell. A prerenderer loads the page in a real
browser, waits until the app says it is done, and keeps the HTML.

## Telling the prerenderer you are done

~~~js
window.prerenderReady = false;
await renderRoute(location.pathname);
window.prerenderReady = true;
~~~

## Status codes from a client-side app

An SPA answers every route with 200. Meta tags carry the real status to the prerenderer:

~~~html
<meta name="prerender-status-code" content="301" /> <meta name="prerender-header" content="Location: /about" />
~~~

A gone page says 404, a moved page says 301 with its new location, and the crawler sees exactly
that. Snapshots are kept for {{ttlHours}} hours and refreshed in the background.

~~~bash
curl -sI -A Googlebot http://localhost:8787/old-about | head -n 3
~~~

Render times in part {{part}}: p50 {{p50}} ms, p99 {{p99}} ms.
  `,
  md`
When the recommender fails, the feed should not. A circuit breaker counts failures and, past a
threshold, stops calling the recommender for a while and serves a cached, degraded feed instead.

## Three states

~~~ts
type Breaker = { state: 'closed'; failures: number } | { state: 'open'; until: number } | { state: 'half-open' };

export function next(b: Breaker, outcome: 'ok' | 'fail', now: number): Breaker {
  if (b.state === 'open') return now >= b.until ? { state: 'half-open' } : b;
  if (outcome === 'ok') return { state: 'closed', failures: 0 };
  if (b.state === 'half-open') return { state: 'open', until: now + 30_000 };
  return b.failures + 1 >= 5 ? { state: 'open', until: now + 30_000 } : { state: 'closed', failures: b.failures + 1 };
}
~~~

The header \`X-Feed-Mode: degraded\` tells the app to say so, politely.

In part {{part}}, the breaker opened after {{failures}} failures and closed again after {{seconds}} s.
  `,
  md`
A short link is a key-value lookup followed by a redirect, so it should cost about as much as
the lookup.

~~~ts
const target = await env.LINKS.get(code, { cacheTtl: 300 });
if (target === null) return new Response('not found', { status: 404 });
return Response.redirect(target, 301);
~~~

## Keep analytics off the hot path

~~~ts
ctx.waitUntil(env.CLICKS.writeDataPoint({ blobs: [code], doubles: [1] }));
~~~

Codes are allocated atomically by a Durable Object so two writers never get the same code.
Part {{part}} served {{samples}} redirects at p99 {{p99}} ms.
  `,
  md`
\`Range: bytes=0-1023\` asks for the first kilobyte. The answer is **206 Partial Content** with
\`Content-Range: bytes 0-1023/{{identityBytes}}\`, or **416** when the range starts past the end.

~~~http
HTTP/1.1 206 Partial Content
Content-Range: bytes 0-1023/{{identityBytes}}
Content-Length: 1024
Accept-Ranges: bytes
~~~

## Ranges and encodings do not mix well

A range counts bytes of the representation that is sent. With several encodings of one file the
simplest honest rule is to serve ranges of the identity bytes only, and to ignore \`Range\` on a
compressed answer (a server may always ignore it and send 200).

~~~ts
export function parseRange(header: string, size: number) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start <= end && start < size ? { start, end } : 'unsatisfiable';
}
~~~

Part {{part}}: {{samples}} range requests, {{hitRate}}% satisfiable.
  `,
  md`
A Content-Security-Policy that an SPA can live with is short:

~~~ini
default-src 'self'
script-src 'self'
style-src 'self'
img-src 'self' data:
connect-src 'self' https://feed.example.com
object-src 'none'
base-uri 'self'
frame-ancestors 'none'
~~~

No inline script, no inline style attribute, and every origin the app talks to named in
\`connect-src\`. Add \`X-Content-Type-Options: nosniff\` and a \`Referrer-Policy\` and the browser
does the rest.

~~~css
/* styles live in a file, never in a style attribute */
.feed-note {
  border-left: 4px solid var(--accent);
  padding: 0.5rem 1rem;
}
~~~

Part {{part}} found {{failures}} violations in {{samples}} page loads.
  `,
  md`
Absolute numbers from a laptop say little. Ratios against a bare worker measured in the same run
say more: how much of the budget a feature spends.

~~~js
const ratio = ours.rps / baseline.rps;
console.table([{ scenario: 'assets: hashed js', ratio: ratio.toFixed(3), goal: 0.8 }]);
~~~

## Bytes are a ratio too

Brotli 11 against gzip 6 made on the fly: {{brKb}} KB against {{gzipKb}} KB for the same script.

~~~python
ratio = brotli_bytes / gzip6_bytes
assert ratio <= 0.85
~~~

Part {{part}}: {{samples}} runs, spread {{saving}}%.
  `,
];
