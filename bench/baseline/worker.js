// The bare baseline: a worker that answers a constant response and does nothing else. Every
// scenario's throughput is reported as a ratio to this worker measured in the same run.
let cached;

export default {
  fetch(_request, env) {
    cached ??= {
      status: Number(env.STATUS ?? 200),
      headers: JSON.parse(env.HEADERS ?? '{}'),
      body: env.BODY ?? '',
    };
    const body = cached.status === 204 || cached.status === 304 || (cached.status >= 300 && cached.status < 400) ? null : cached.body;
    return new Response(body, { status: cached.status, headers: cached.headers });
  },
};
