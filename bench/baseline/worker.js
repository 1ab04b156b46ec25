// The bare baseline: a worker that answers a constant response and does nothing else. Every
// scenario's throughput is reported as a ratio to this worker measured in the same run.
// BODY_BASE64 carries binary bodies (e.g. Brotli bytes); with a Content-Encoding header the body
// is sent as-is (`encodeBody: "manual"`), as a worker serving precompressed files does.
/** @type {{ status: number, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer> } | undefined} */
let cached;

export default {
  /**
   * @param {Request} _request
   * @param {{ STATUS?: string, HEADERS?: string, BODY?: string, BODY_BASE64?: string }} env
   */
  fetch(_request, env) {
    cached ??= {
      status: Number(env.STATUS ?? 200),
      headers: JSON.parse(env.HEADERS ?? '{}'),
      body: env.BODY_BASE64 ? Uint8Array.from(atob(env.BODY_BASE64), (c) => c.charCodeAt(0)) : (env.BODY ?? ''),
    };
    const { status, headers } = cached;
    const body = status === 204 || status === 304 || (status >= 300 && status < 400) ? null : cached.body;
    const encoded = Object.keys(headers).some((name) => name.toLowerCase() === 'content-encoding');
    return new Response(body, { status, headers, ...(encoded ? { encodeBody: 'manual' } : {}) });
  },
};
