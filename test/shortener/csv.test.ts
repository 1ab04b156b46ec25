// CSV import and export through the API: per-row results with line numbers, idempotent rows, and a
// file that exports and imports again as it is.
import { describe, expect, it } from 'vitest';
import { exportLine, parseImport } from '../../workers/shortener/src/csv.ts';
import { linkView } from '../../workers/shortener/src/view.ts';
import { api, type ErrorJson } from './client.ts';
import { tokens } from './tokens.ts';

const [A = '', B = '', C = ''] = tokens(50, 3);

interface RowResult {
  line: number;
  status: number;
  link?: { code: string; url: string; title: string | null; rules: unknown[]; preview: unknown };
  error?: { code: string; message: string; field?: string };
  replayed?: boolean;
}

async function importCsv(text: string, token = A, type = 'text/csv') {
  const res = await api(token, 'POST', '/api/links.csv', text, { 'Content-Type': type });
  return { res, json: (await res.json()) as { results: RowResult[] } & ErrorJson };
}

describe('POST /api/links.csv', () => {
  it('creates the good rows and reports a malformed one with its line number and field', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = [
      'url,slug,title,status,rules,previewTitle',
      `https://example.com/${tag}/1,${tag}-one,"First, with a comma",302,,`,
      `"https://example.com/${tag}/2",,"A title
over two lines",,"[{""if"":{""country"":""DE""},""url"":""https://example.de/""}]",Card`,
      `javascript:alert(1),${tag}-bad,,,,`,
      `https://example.com/${tag}/4,${tag}-four,,not-a-status,,`,
      `https://example.com/${tag}/5,${tag}-five,too,many,cells,here,!`,
      '',
    ].join('\n');
    const { res, json } = await importCsv(file);
    expect(res.status).toBe(200);
    expect(json.results.map((r) => [r.line, r.status, r.error?.field])).toEqual([
      [2, 201, undefined],
      [3, 201, undefined],
      [5, 400, 'url'],
      [6, 400, 'status'],
      [7, 400, 'row'],
    ]);
    expect(json.results[0]?.link).toMatchObject({ code: `${tag}-one`, title: 'First, with a comma' });
    expect(json.results[1]?.link).toMatchObject({
      title: 'A title\nover two lines',
      rules: [{ if: { country: 'DE' } }],
      preview: { title: 'Card' },
    });
    expect(json.results[2]?.error?.message).toContain('line 5');
  });

  it('creates nothing twice when the same file is imported again', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const file = `url,title\nhttps://example.com/${tag}/a,A\nhttps://example.com/${tag}/b,B\n`;
    const first = await importCsv(file, B);
    const again = await importCsv(file, B);
    expect(first.json.results.map((r) => r.status)).toEqual([201, 201]);
    expect(again.json.results.map((r) => [r.status, r.replayed])).toEqual([
      [201, true],
      [201, true],
    ]);
    expect(again.json.results.map((r) => r.link?.code)).toEqual(first.json.results.map((r) => r.link?.code));
    const listed = await (await api(B, 'GET', `/api/links?q=${tag}`)).json<{ links: unknown[] }>();
    expect(listed.links).toHaveLength(2);
  });

  it('refuses a file without a url column, an unknown column, or another media type, for the whole file', async () => {
    expect((await importCsv('slug\nabc\n', C)).json.error).toMatchObject({ code: 'invalid_csv', field: 'header' });
    expect((await importCsv('url,colour\nhttps://example.com/,red\n', C)).json.error.message).toContain('unknown column "colour"');
    const wrongType = await importCsv('url\nhttps://example.com/\n', C, 'application/json');
    expect(wrongType.res.status).toBe(415);
    expect(wrongType.json.error.field).toBe('Content-Type');
  });
});

describe('GET /api/links.csv', () => {
  it('exports what an import reads back, neutralising spreadsheet formulas', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await api(C, 'POST', '/api/links', {
      url: `https://example.com/${tag}`,
      slug: `exp-${tag}`,
      title: '=HYPERLINK("http://evil.example")',
    });
    const res = await api(C, 'GET', `/api/links.csv?q=exp-${tag}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    const text = await res.text();
    const [header, line] = text.trim().split('\r\n');
    expect(header).toBe(
      'url,slug,status,title,expiresAt,appendQuery,immutable,maxAge,rules,previewTitle,previewDescription,previewImage,shortUrl,createdAt,updatedAt',
    );
    expect(line).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    const rows = parseImport(text, 10);
    expect(rows).toMatchObject([
      { line: 2, body: { url: `https://example.com/${tag}`, slug: `exp-${tag}`, title: '=HYPERLINK("http://evil.example")' } },
    ]);
  });
});

describe('exportLine', () => {
  it('writes rules as the JSON of the API and leaves empty fields empty', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const view = linkView(
      {
        code: 'c',
        url: 'https://e.com/',
        status: 301,
        appendQuery: true,
        immutable: false,
        createdAt: at,
        updatedAt: at,
        version: 1,
        rules: [{ if: { device: 'ios' }, url: 'https://a.example/' }],
      },
      'https://sho.rt',
    );
    expect(exportLine(view)).toBe(
      `https://e.com/,c,301,,,true,false,,"[{""if"":{""device"":""ios""},""url"":""https://a.example/""}]",,,,https://sho.rt/c,${at},${at}\r\n`,
    );
  });
});
