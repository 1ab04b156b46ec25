/** The Markdown the mock renderer returns with `pageHtml` (as the renderer converts it in the page). */
export function pageMarkdown(path: string, device: string, extra = ''): string {
  return `# Rendered ${path} for ${device}${extra}\n\nThe page's text, with [a link](http://localhost:8787/about).\n`;
}

/** The page the mock renderers return (shared by Node-side mocks and workerd tests). */
export function pageHtml(path: string, device: string, extra = ''): string {
  return [
    '<!doctype html><html><head><title>Demo</title>',
    '<link rel="modulepreload" href="/assets/chunk.js">',
    '<script type="module" src="/assets/app.js"></script>',
    '<script type="application/ld+json">{"@type":"Article","headline":"One"}</script>',
    `</head><body><div id="app"><h1>Rendered ${path} for ${device}${extra}</h1></div>`,
    '<script>window.prerenderReady = true;</script></body></html>',
  ].join('');
}

/** The SPA's own robots.txt: rules for everyone, its own for Googlebot and GPTBot, a sitemap. */
export const SPA_ROBOTS = `# the SPA's own file
User-agent: *
Disallow: /private

User-agent: Googlebot
Allow: /
Disallow: /nogoogle
Content-Signal: ai-train=yes

User-agent: GPTBot
Allow: /public

Sitemap: http://localhost:8787/sitemap.xml
`;

/** The origin of the data dependencies the mock renderer records (the demo content API, DEPENDENCY_ORIGINS). */
export const DEPENDENCY_ORIGIN = 'http://localhost:8793';
