/**
 * Per-route document head: title, meta description, and the prerender meta tags that tell a
 * prerenderer (our `renderer` worker, prerender.io) which status and headers a crawler should get:
 * <meta name="prerender-status-code" content="404"> and <meta name="prerender-header" content="Location: /about">.
 */
export interface Head {
  title: string;
  description: string;
  /** HTTP status a crawler should see for this route; 200 when absent. */
  status?: number;
  /** Response headers a crawler should see, e.g. `Location: /about` for a 301. */
  headers?: string[];
}

const SITE = 'Edge Notes';

export function applyHead(head: Head): void {
  document.title = head.title === SITE ? SITE : `${head.title} · ${SITE}`;
  metaTag('description').content = head.description;
  for (const stale of document.head.querySelectorAll('meta[name="prerender-status-code"], meta[name="prerender-header"]')) {
    stale.remove();
  }
  if (head.status !== undefined && head.status !== 200) {
    metaTag('prerender-status-code').content = String(head.status);
  }
  for (const header of head.headers ?? []) {
    const tag = document.createElement('meta');
    tag.name = 'prerender-header';
    tag.content = header;
    document.head.append(tag);
  }
}

function metaTag(name: string): HTMLMetaElement {
  let tag = document.head.querySelector<HTMLMetaElement>(`meta[name="${name}"]`);
  if (!tag) {
    tag = document.createElement('meta');
    tag.name = name;
    document.head.append(tag);
  }
  return tag;
}
