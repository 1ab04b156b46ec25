/**
 * Network mocks for tests that run in the Workers runtime. The worker under test runs in the same
 * isolate as the test, so replacing `globalThis.fetch` intercepts every outbound `fetch()` it makes.
 * Only declared routes answer; any other request fails the test (and throws inside the worker).
 *
 *   const network = mockNetwork();
 *   network.on('GET', 'http://localhost:8793/feed/home', () => Response.json({ items: [] }));
 *   ...
 *   network.restore(); // in afterEach; throws if a request went unmatched
 */
export type MockHandler = (request: Request) => Response | Promise<Response>;

interface Route {
  method: string;
  matches: (url: URL) => boolean;
  handler: MockHandler;
  times: number | null;
}

export interface MockNetwork {
  /** Answer `method url` (exact URL, a RegExp, or a predicate) with `handler`; `times` limits uses. */
  on(method: string, url: string | RegExp | ((url: URL) => boolean), handler: MockHandler, times?: number): MockNetwork;
  /** Every request seen, matched or not, in order. */
  readonly requests: Request[];
  /** Requests no route matched. */
  readonly unmatched: string[];
  /** Restores the real fetch; throws if any request went unmatched. */
  restore(): void;
}

export function mockNetwork(): MockNetwork {
  const original = globalThis.fetch;
  const routes: Route[] = [];
  const requests: Request[] = [];
  const unmatched: string[] = [];

  globalThis.fetch = async function mockedFetch(input: RequestInfo | URL, init?: RequestInit) {
    const request = new Request(input, init);
    requests.push(request.clone());
    const url = new URL(request.url);
    const route = routes.find(
      (r) => (r.method === '*' || r.method === request.method) && r.matches(url) && (r.times === null || r.times > 0),
    );
    if (!route) {
      unmatched.push(`${request.method} ${request.url}`);
      throw new Error(`unmatched outbound request in test: ${request.method} ${request.url}`);
    }
    if (route.times !== null) route.times--;
    return route.handler(request);
  } as typeof fetch;

  const network: MockNetwork = {
    on(method, url, handler, times) {
      const matches =
        typeof url === 'string' ? (u: URL) => u.href === new URL(url).href : url instanceof RegExp ? (u: URL) => url.test(u.href) : url;
      routes.push({ method: method.toUpperCase(), matches, handler, times: times ?? null });
      return network;
    },
    requests,
    unmatched,
    restore() {
      globalThis.fetch = original;
      if (unmatched.length) throw new Error(`unmatched outbound requests:\n${unmatched.join('\n')}`);
    },
  };
  return network;
}
