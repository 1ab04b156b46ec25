/**
 * CSV import and export of links (RFC 4180, parsed and written by d3-dsv). Pure: rows in, create
 * bodies with their line numbers out, and links in, CSV lines out.
 *
 * Columns (header row required, any order, names case-sensitive):
 *   url (required), slug, status, title, expiresAt, appendQuery, immutable, maxAge,
 *   rules (the JSON array of the API), previewTitle, previewDescription, previewImage,
 *   key (the row's idempotency key; default: a hash of the row).
 * An export carries the same columns, `slug` holding each link's code, plus shortUrl, createdAt
 * and updatedAt, which an import reads past. So an exported file imports again as it is.
 *
 * Spreadsheets run a cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a formula
 * (OWASP "CSV Injection"): the export puts a `'` before such a cell in free-text columns, and the
 * import takes that `'` off again.
 */
import { csvFormatRow, csvParseRows } from 'd3-dsv';
import { badRequest } from '../../../shared/http/errors.ts';
import type { LinkView } from './view.ts';

export const IMPORT_COLUMNS = [
  'url',
  'slug',
  'status',
  'title',
  'expiresAt',
  'appendQuery',
  'immutable',
  'maxAge',
  'rules',
  'previewTitle',
  'previewDescription',
  'previewImage',
  'key',
] as const;
const READ_ONLY_COLUMNS = ['shortUrl', 'createdAt', 'updatedAt'] as const;
export const EXPORT_COLUMNS = [...IMPORT_COLUMNS.filter((c) => c !== 'key'), ...READ_ONLY_COLUMNS] as const;

type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** A data row of an import: its line in the file, its create body, or what is wrong with it. */
export type ImportRow =
  { line: number; body: Record<string, unknown>; key: string | null } | { line: number; problem: { field: string; message: string } };

/** The rows of `text`; a header naming no `url` or an unknown column is a 400 for the whole file. */
export function parseImport(text: string, maxRows: number): ImportRow[] {
  const records = csvParseRows(text.replace(/^\uFEFF/, ''));
  const lines = startLines(records);
  const header = (records[0] ?? []).map((name) => name.trim());
  const unknown = header.find(
    (name) => !(IMPORT_COLUMNS as readonly string[]).includes(name) && !(READ_ONLY_COLUMNS as readonly string[]).includes(name),
  );
  if (unknown !== undefined) {
    throw badRequest('invalid_csv', `line 1: unknown column "${unknown}"; columns: ${IMPORT_COLUMNS.join(', ')}`, { field: 'header' });
  }
  if (!header.includes('url')) throw badRequest('invalid_csv', 'line 1: the header must name a "url" column', { field: 'header' });
  const rows: ImportRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i] as string[];
    if (cells.length === 1 && cells[0]?.trim() === '') continue; // a blank line
    if (rows.length === maxRows) {
      throw badRequest('too_many_rows', `at most ${maxRows} rows per import; split the file`, { field: 'body' });
    }
    rows.push(parseRow(header, cells, lines[i] as number));
  }
  return rows;
}

function parseRow(header: string[], cells: string[], line: number): ImportRow {
  if (cells.length !== header.length) {
    return { line, problem: { field: 'row', message: `has ${cells.length} cells, the header ${header.length}` } };
  }
  const body: Record<string, unknown> = {};
  const preview: Record<string, string> = {};
  let key: string | null = null;
  for (let c = 0; c < header.length; c++) {
    const column = header[c] as ImportColumn | (typeof READ_ONLY_COLUMNS)[number];
    const cell = unescapeCell((cells[c] as string).trim());
    if (cell === '' || (READ_ONLY_COLUMNS as readonly string[]).includes(column)) continue;
    const value = cellValue(column as ImportColumn, cell);
    if (value instanceof Error) return { line, problem: { field: column, message: value.message } };
    if (column === 'key') key = cell;
    else if (column === 'previewTitle') preview.title = cell;
    else if (column === 'previewDescription') preview.description = cell;
    else if (column === 'previewImage') preview.image = cell;
    else body[column] = value;
  }
  if (Object.keys(preview).length > 0) body.preview = preview;
  return { line, body, key };
}

function cellValue(column: ImportColumn, cell: string): unknown {
  switch (column) {
    case 'status':
    case 'maxAge': {
      const n = Number(cell);
      return Number.isFinite(n) ? n : new Error(`"${cell}" is not a number`);
    }
    case 'appendQuery':
    case 'immutable': {
      const flag = cell.toLowerCase();
      return flag === 'true' ? true : flag === 'false' ? false : new Error(`"${cell}" is not true or false`);
    }
    case 'rules':
      try {
        return JSON.parse(cell) as unknown;
      } catch {
        return new Error('is not valid JSON (the rules array of the API)');
      }
    default:
      return cell;
  }
}

/** The line each record starts on: a quoted cell may hold line breaks, which d3-dsv keeps. */
function startLines(records: string[][]): number[] {
  const lines: number[] = [];
  let line = 1;
  for (const record of records) {
    lines.push(line);
    line += 1 + record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
  }
  return lines;
}

/** The header line of an export. */
export function exportHeader(): string {
  return `${csvFormatRow([...EXPORT_COLUMNS])}\r\n`;
}

/** One link as an export line. */
export function exportLine(link: LinkView): string {
  const cells: Record<(typeof EXPORT_COLUMNS)[number], string> = {
    url: link.url,
    slug: link.code,
    status: String(link.status),
    title: escapeCell(link.title ?? ''),
    expiresAt: link.expiresAt ?? '',
    appendQuery: String(link.appendQuery),
    immutable: String(link.immutable),
    maxAge: link.maxAge === null ? '' : String(link.maxAge),
    rules: link.rules.length === 0 ? '' : JSON.stringify(link.rules),
    previewTitle: escapeCell(link.preview?.title ?? ''),
    previewDescription: escapeCell(link.preview?.description ?? ''),
    previewImage: link.preview?.image ?? '',
    shortUrl: link.shortUrl,
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
  };
  return `${csvFormatRow(EXPORT_COLUMNS.map((column) => cells[column]))}\r\n`;
}

const FORMULA_START = /^[=+\-@\t\r]/;

function escapeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function unescapeCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}
