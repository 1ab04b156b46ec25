/**
 * Renders through a self-hosted render service (RENDER_SERVICE_URL), for a company running its own
 * render fleet. The service speaks this worker's own protocol (shared/render/protocol.ts;
 * services/render-service is one), authenticated with the same RENDER_TOKEN. Its failures become this
 * worker's 502/503/504.
 */
import { RENDER_PATH, renderResultSchema, type Device, type RenderRequest, type RenderResult } from '../../../shared/render/protocol.ts';
import { browserUnavailable, isTimeout, renderServiceFailed, renderTimeout, withDeadline } from './render-errors.ts';

/** Time on top of the render timeout for the hop to the service and back. */
export const SERVICE_MARGIN_MS = 2_000;

export interface ServiceCall {
  serviceUrl: URL;
  token: string | undefined;
  url: URL;
  device: Device;
  timeoutMs: number;
}

export async function renderWithService(call: ServiceCall, fetcher: typeof fetch = fetch): Promise<RenderResult> {
  // The service's own path prefix, if any, is kept: `https://fleet/v1` -> `https://fleet/v1/render`.
  const endpoint = new URL(RENDER_PATH.slice(1), call.serviceUrl.href.endsWith('/') ? call.serviceUrl : `${call.serviceUrl.href}/`);
  const body: RenderRequest = { url: call.url.href, device: call.device };
  const budgetMs = call.timeoutMs + SERVICE_MARGIN_MS;
  let response: Response;
  try {
    const request = fetcher(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(call.token ? { Authorization: `Bearer ${call.token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(budgetMs),
    });
    // The signal cancels the request; the deadline bounds the wait even if a fetch ignores it.
    response = await withDeadline(request, budgetMs);
  } catch (error) {
    if (isTimeout(error) || (error instanceof Error && error.name === 'AbortError')) throw renderTimeout(call.timeoutMs);
    throw browserUnavailable(`render service unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status === 504) throw renderTimeout(call.timeoutMs, 'the render service timed out rendering the page');
  if (response.status === 503) {
    const detail = (await response.text().catch(() => '')).slice(0, 300);
    throw browserUnavailable(`render service has no browser available: ${detail}`, Number(response.headers.get('Retry-After')) || 5);
  }
  if (!response.ok) {
    const detail = await response.text().catch(() => '');
    // A 4xx from the service means the two configs disagree (token, origins): an outage for our caller.
    throw renderServiceFailed(`render service answered ${response.status}: ${detail.slice(0, 300)}`);
  }
  const parsed = renderResultSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) throw renderServiceFailed('render service answered 200 with a body that is not a render result');
  return parsed.data;
}
