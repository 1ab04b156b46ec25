/**
 * Clients for the two render backends: the `renderer` worker through its service binding
 * (`POST /render`), or a self-hosted prerender.io-compatible service (`GET <service>/<page url>`).
 */
import { RENDER_PATH, renderResultSchema, type Dependencies, type Device, type RenderRequest } from '../../../shared/render/protocol.ts';

export interface RenderedPage {
  html: string;
  /** The page's Markdown from the same render; null from a backend that does not convert. */
  markdown: string | null;
  status: number;
  headers: Record<string, string>;
  renderedAt: string;
  totalMs: number | null;
  /** The page's same-site data requests; null from a backend that does not record them. */
  dependencies: Dependencies | null;
}

export class RenderError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

export interface Renderer {
  render(url: string, device: Device): Promise<RenderedPage>;
}

/** The `renderer` worker: `POST /render { url, device }` with the shared bearer token. */
export function bindingRenderer(binding: Fetcher, token: string | undefined): Renderer {
  return {
    async render(url, device) {
      const request: RenderRequest = { url, device };
      const response = await binding.fetch(`https://renderer${RENDER_PATH}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token ?? ''}` },
        body: JSON.stringify(request),
      });
      if (!response.ok) {
        const detail = await response.text().catch(() => '');
        throw new RenderError(
          response.status === 504 ? 'timeout' : `renderer-${response.status}`,
          `renderer answered ${response.status}: ${detail.slice(0, 300)}`,
        );
      }
      const parsed = renderResultSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw new RenderError('bad-response', `renderer answered an unexpected body: ${parsed.error.message}`);
      const { html, markdown, status, headers, renderedAt, timings, dependencies } = parsed.data;
      return {
        html,
        markdown: markdown ?? null,
        status,
        headers,
        renderedAt,
        totalMs: timings.totalMs,
        dependencies: dependencies ?? null,
      };
    },
  };
}

/** Statuses a prerender server answers for a page (its own meta handling), not as its own failure. */
const PAGE_STATUSES = new Set([200, 301, 302, 307, 308, 404, 410]);

/**
 * A prerender.io-compatible service (the open-source prerender server, Rendertron's /render is
 * similar): it applies prerender-status-code / prerender-header metas itself and answers with that
 * status and headers. The token goes in `X-Prerender-Token`, as prerender.io expects.
 */
/** `fetcher`: the global `fetch` (looked up per render, since the renderer lives as long as its isolate) unless given. */
export function serviceRenderer(baseUrl: string, token: string | undefined, fetcher?: typeof fetch): Renderer {
  return {
    async render(url, device) {
      const started = Date.now();
      const response = await (fetcher ?? fetch)(`${baseUrl}/${url}`, {
        headers: { 'X-Prerender-Token': token ?? '', 'X-Prerender-Device': device },
        redirect: 'manual',
      });
      if (!PAGE_STATUSES.has(response.status)) {
        throw new RenderError(
          response.status === 504 ? 'timeout' : `service-${response.status}`,
          `render service answered ${response.status}`,
        );
      }
      const headers: Record<string, string> = {};
      const location = response.headers.get('Location');
      if (location) headers.location = location;
      return {
        html: await response.text(),
        // A prerender.io-compatible service answers HTML only.
        markdown: null,
        status: response.status,
        headers,
        renderedAt: new Date().toISOString(),
        totalMs: Date.now() - started,
        // Nor does it record the page's data requests: its pages are refreshed by age.
        dependencies: null,
      };
    },
  };
}
