/**
 * Markdown from the same render: the in-page conversion (workers/renderer/src/markdown), run by the
 * self-hosted render service in a real Chromium, and the generated script kept equal to its source.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenderResult } from '../../shared/render/protocol.ts';
import { generate, OUTPUT } from '../../workers/renderer/src/markdown/generate.mjs';
import { startFixtureSite, type FixtureSite } from './fixture-site.ts';
import { startRenderServiceProcess, type RenderServiceProcess } from './render-service-process.ts';

const TOKEN = 'markdown-test-token';
let site: FixtureSite;
let service: RenderServiceProcess;

beforeAll(async () => {
  site = await startFixtureSite();
  service = await startRenderServiceProcess({ RENDER_TOKEN: TOKEN, SITE_ORIGINS: site.siteOrigin, RENDER_TIMEOUT_MS: '5000' });
});

afterAll(async () => {
  await service?.stop();
  await site?.close();
});

async function rendered(path: string): Promise<RenderResult> {
  const response = await fetch(`${service.url}/render`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url: `${site.siteOrigin}${path}` }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as RenderResult;
}

describe('page-script.generated.ts', () => {
  it('is the build of in-page.ts with the installed turndown (else: node workers/renderer/src/markdown/generate.mjs)', async () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(await generate());
  });
});

describe('Markdown of a rendered page', () => {
  it("keeps the main content's headings, paragraphs, lists, absolute links and images with alt text", async () => {
    const { markdown, html } = await rendered('/article');
    expect(html).toContain('Edge caching for agents');
    expect(markdown).toBeDefined();
    expect(markdown).toMatch(/^# Edge caching for agents$/m);
    expect(markdown).toMatch(/^## Steps$/m);
    expect(markdown).toMatch(/^-\s+Render once$/m);
    expect(markdown).toContain('get **the content**, not a shell');
    expect(markdown).toContain(`[the guide](${site.siteOrigin}/docs/guide)`);
    expect(markdown).toContain(`![A diagram of the edge](${site.siteOrigin}/diagram.png)`);
    expect(markdown).toContain('```js\nconst a = 1;\n```');
  });

  it('leaves out the chrome, navigation, scripts, what is hidden, and links that go nowhere', async () => {
    const { markdown } = await rendered('/article');
    for (const absent of [
      'Home',
      'Footer text',
      'In-article navigation',
      'Hidden by attribute',
      'Hidden by style',
      'var inline',
      'javascript:',
      'Read next',
      'Another article',
      'More reading',
    ]) {
      expect(markdown, absent).not.toContain(absent);
    }
    expect(markdown).toContain('Not a real link');
  });

  it('keeps an aside that is prose, and drops one that is a list of links', async () => {
    const { markdown } = await rendered('/article');
    expect(markdown).toContain(`A side note that belongs to the text, with [a source](${site.siteOrigin}/source).`);
    expect(markdown).not.toContain(`${site.siteOrigin}/other`);
  });

  it('takes the body without its landmarks when there is no <main>, and the title when there is no heading', async () => {
    const { markdown } = await rendered('/plain');
    expect(markdown).toBe('# fixture\n\nOnly paragraph.\n');
  });

  it('gives no Markdown for a redirect', async () => {
    const result = await rendered('/redirect-away');
    expect(result.status).toBe(302);
    expect(result.markdown).toBeUndefined();
  });
});
