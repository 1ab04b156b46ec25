// Closed-loop HTTP load on persistent connections: a side of a comparison keeps its own pool of
// keep-alive connections for the whole row, and is driven in short slices. In a slice every
// connection sends its next request as soon as the last one answered, until the slice's time is
// up; then the slice waits for the requests in flight, so that when it returns the server has
// nothing of this side's left to do. That makes a slice's work exactly attributable: its
// completed requests, their latencies, and (lib.mjs) the server's CPU time between slice start
// and end.
import { Pool } from 'undici';

/**
 * `headersFor`, when given, builds each request's headers as it is sent (a request that must differ
 * every time, such as one freshly signed), in place of `headers`; it runs in the load generator's
 * process, so its cost is not the server's.
 * @typedef {{ url: string, method?: import('undici').Dispatcher.HttpMethod, headers?: Record<string, string>,
 *   headersFor?: () => Record<string, string>, body?: string }} LoadRequest
 * @typedef {{ rps: number, latencies: number[], statuses: Record<string, number>, errors: number, ms: number }} Slice
 */

/** After this many failed requests in a row a connection gives up for the rest of the slice. */
const MAX_CONSECUTIVE_ERRORS = 3;

/** One side of a comparison: its request and its pool of `connections` keep-alive connections. */
export class Driver {
  /** @param {LoadRequest} request @param {number} connections */
  constructor(request, connections) {
    const url = new URL(request.url);
    this.connections = connections;
    this.pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
    /** @type {import('undici').Dispatcher.RequestOptions} */
    this.options = {
      path: url.pathname + url.search,
      method: request.method ?? 'GET',
      headers: request.headers ?? {},
      body: request.body,
    };
    this.headersFor = request.headersFor;
  }

  /**
   * Drives the closed loop for `ms`, then lets the requests in flight finish.
   *
   * Throughput is summed per connection: a connection's rate is its completed responses over the
   * time from the slice's start to its last response, so the drain at the end (fewer connections
   * busy while the last requests finish) is charged to neither side.
   * @param {number} ms
   * @returns {Promise<Slice>}
   */
  async slice(ms) {
    /** @type {number[]} */
    const latencies = [];
    /** @type {Record<string, number>} */
    const statuses = {};
    let errors = 0;
    let rps = 0;
    const started = performance.now();
    const end = started + ms;
    const connection = async () => {
      let count = 0;
      let last = started;
      let failing = 0;
      while (performance.now() < end && failing < MAX_CONSECUTIVE_ERRORS) {
        const sent = performance.now();
        try {
          const options = this.headersFor ? { ...this.options, headers: this.headersFor() } : this.options;
          const { statusCode, body } = await this.pool.request(options);
          for await (const _ of body); // the whole body, as a client would read it
          last = performance.now();
          latencies.push(last - sent);
          statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
          count++;
          failing = 0;
        } catch {
          errors++;
          failing++;
        }
      }
      if (count > 0) rps += count / ((last - started) / 1000);
    };
    await Promise.all(Array.from({ length: this.connections }, connection));
    return { rps, latencies, statuses, errors, ms: performance.now() - started };
  }

  close() {
    return this.pool.close();
  }
}
