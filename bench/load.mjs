// One timed round of HTTP load with autocannon: a fixed number of connections, each sending its
// next request as soon as the last one answered (a closed loop), for a fixed time. Returns the
// round's throughput, every request's latency, and the statuses seen.
import autocannon from 'autocannon';

/**
 * @typedef {{ url: string, method?: import('autocannon').Request['method'], headers?: Record<string, string>, body?: string }} LoadRequest
 * @typedef {{ rps: number, latencies: number[], statuses: Record<string, number>, errors: number }} Round
 */

/**
 * autocannon stops only on its sampling tick (1 s by default), so a short round would run to the
 * next whole second; a 20 ms tick ends it on time.
 */
const SAMPLE_MS = 20;

/**
 * Drives `request` for `seconds` over `connections` connections.
 *
 * Throughput is summed per connection: a connection's rate is its completed responses over the
 * time from the round's start to its last response. Requests still in flight when the round ends
 * are dropped by autocannon; dividing by the whole round instead would charge that unfinished
 * tail to the side with the slower requests, a bias of about latency / (2 * round length).
 * @param {LoadRequest} request
 * @param {{ seconds: number, connections: number }} options
 * @returns {Promise<Round>}
 */
export async function loadRound(request, { seconds, connections }) {
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  /** @type {Map<object, { count: number, last: number }>} */
  const perConnection = new Map();
  const started = performance.now();
  // Without a callback autocannon answers an instance that is also a promise of its result.
  const instance = /** @type {import('autocannon').Instance & Promise<import('autocannon').Result>} */ (
    /** @type {unknown} */ (
      autocannon({
        url: request.url,
        method: request.method ?? 'GET',
        headers: request.headers ?? {},
        body: request.body,
        connections,
        duration: seconds,
        sampleInt: SAMPLE_MS,
      })
    )
  );
  instance.on('response', (client, status, _bytes, responseTime) => {
    const now = performance.now();
    latencies.push(responseTime);
    statuses[status] = (statuses[status] ?? 0) + 1;
    const seen = perConnection.get(client);
    if (seen) {
      seen.count++;
      seen.last = now;
    } else {
      perConnection.set(client, { count: 1, last: now });
    }
  });
  const result = await instance;
  let rps = 0;
  for (const { count, last } of perConnection.values()) rps += count / ((last - started) / 1000);
  return { rps, latencies, statuses, errors: result.errors + result.timeouts };
}
