/** Links: search, a paged table, create, CSV import (a result per row) and export. */
import { useState } from 'preact/hooks';
import type { ImportResult, LinkPage, LinkView } from '../../../../../shared/operator/links.ts';
import { call, query } from '../api.ts';
import { DataTable, Field, fieldError, formatDate, Link, Loading, Outcome, Problem } from '../components.tsx';
import { useLoad } from '../load.ts';
import { navigate, type ScreenProps } from '../router.ts';
import { LinkForm, type LinkFields } from './link-form.tsx';

const PAGE_SIZE = 25;

export default function LinksScreen({ search }: ScreenProps) {
  const q = search.get('q') ?? '';
  const cursor = search.get('cursor') ?? '';
  const [reload, setReload] = useState(0);
  const { data: page, error } = useLoad<LinkPage>(`/api/links${query({ q, cursor, limit: PAGE_SIZE })}`, reload);
  /** Cursors of the pages before this one, for "Previous page". */
  const [previous, setPrevious] = useState<string[]>([]);

  const go = (next: { q?: string; cursor?: string }) => navigate(`/links${query({ q: next.q ?? q, cursor: next.cursor })}`);

  return (
    <>
      <h1>Links</h1>
      <form
        role="search"
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          const value = new FormData(event.currentTarget).get('q');
          setPrevious([]);
          go({ q: typeof value === 'string' ? value.trim() : '' });
        }}
      >
        <label for="links-q">Search links</label>
        <input id="links-q" name="q" type="search" defaultValue={q} placeholder="code, destination or title" />
        <button type="submit">Search</button>
      </form>

      {error !== null && <Problem error={error} what="The links" />}
      {page === null && error === null && <Loading what="links" />}
      {page !== null && (
        <>
          <DataTable
            id="links"
            caption={`${q ? `Links matching “${q}”` : 'All links'}${previous.length > 0 || cursor ? `, page ${previous.length + 1}` : ''}`}
            columns={['Code', 'Destination', 'Title', 'Status', 'Expires', 'Created']}
            empty={q ? 'No link matches.' : 'No links yet.'}
            rows={page.links.map((link) => (
              <LinkRow key={link.code} link={link} />
            ))}
          />
          <nav class="pager" aria-label="Pages of links">
            <button
              type="button"
              disabled={cursor === ''}
              onClick={() => {
                const before = previous.slice(0, -1);
                const target = previous.at(-1) ?? '';
                setPrevious(before);
                go({ cursor: target });
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={page.cursor === null}
              onClick={() => {
                setPrevious([...previous, cursor]);
                go({ cursor: page.cursor ?? '' });
              }}
            >
              Next page
            </button>
          </nav>
        </>
      )}

      <CreateLink onCreated={() => setReload(reload + 1)} />
      <ImportExport q={q} onImported={() => setReload(reload + 1)} />
    </>
  );
}

function LinkRow({ link }: { link: LinkView }) {
  return (
    <tr>
      <td>
        <Link href={`/links/${encodeURIComponent(link.code)}`}>{link.code}</Link>
      </td>
      <td class="url" title={link.url}>
        {link.url}
      </td>
      <td>{link.title ?? '—'}</td>
      <td>{link.status}</td>
      <td>{formatDate(link.expiresAt)}</td>
      <td>{formatDate(link.createdAt)}</td>
    </tr>
  );
}

function CreateLink({ onCreated }: { onCreated: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<LinkView | null>(null);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  const submit = async (fields: LinkFields) => {
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      const link = await call<LinkView>('POST', '/api/links', { body: fields });
      setCreated(link);
      setFormKey(formKey + 1);
      onCreated();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="create-heading" class="panel">
      <h2 id="create-heading">Create a link</h2>
      <LinkForm key={formKey} idPrefix="create" withSlug error={error} busy={busy} submitLabel="Create link" onSubmit={submit} />
      {created && (
        <Outcome ok>
          Created <Link href={`/links/${encodeURIComponent(created.code)}`}>{created.shortUrl}</Link>.
        </Outcome>
      )}
    </section>
  );
}

type ImportRow = ImportResult['results'][number];

/** What happened to one imported row, in words. */
function outcomeOf(row: ImportRow): 'created' | 'already imported' | 'failed' {
  if (row.replayed) return 'already imported';
  return row.status === 201 ? 'created' : 'failed';
}

function ImportExport({ q, onImported }: { q: string; onImported: () => void }) {
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const problem = fieldError(error, ['file']);

  return (
    <section aria-labelledby="csv-heading" class="panel">
      <h2 id="csv-heading">Import and export</h2>
      <p>
        <a href={`/api/links.csv${query({ q })}`} download="links.csv">
          {q ? `Export the links matching “${q}” as CSV` : 'Export every link as CSV'}
        </a>
      </p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const file = new FormData(event.currentTarget).get('file');
          if (!(file instanceof File) || file.size === 0) {
            setError(new Error('choose a CSV file first'));
            return;
          }
          setBusy(true);
          setError(null);
          setResult(null);
          try {
            setResult(await call<ImportResult>('POST', '/api/links.csv', { body: file, contentType: 'text/csv' }));
            onImported();
          } catch (failure) {
            setError(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field
          id="csv-file"
          label="CSV file to import"
          hint="A header row naming the columns (url, slug, status, title, expiresAt, ...), as an export writes them. Importing the same file again creates nothing twice."
          error={problem?.message}
        >
          {(describedBy, invalid) => (
            <input id="csv-file" name="file" type="file" accept=".csv,text/csv" aria-describedby={describedBy} aria-invalid={invalid} />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      {result && (
        <>
          <Outcome ok={result.results.every((row) => outcomeOf(row) !== 'failed')}>
            {(['created', 'already imported', 'failed'] as const)
              .map((kind) => `${result.results.filter((row) => outcomeOf(row) === kind).length} ${kind}`)
              .join(', ')}
            .
          </Outcome>
          <DataTable
            id="import-results"
            caption="Result per row"
            columns={['Line', 'Result', 'Code', 'Problem']}
            empty="The file has no data rows."
            rows={result.results.map((row) => (
              <tr key={row.line}>
                <td>{row.line}</td>
                <td>{outcomeOf(row)}</td>
                <td>{row.link ? <Link href={`/links/${encodeURIComponent(row.link.code)}`}>{row.link.code}</Link> : '—'}</td>
                <td>{row.error ? `${row.error.field ? `${row.error.field}: ` : ''}${row.error.message}` : ''}</td>
              </tr>
            ))}
          />
        </>
      )}
    </section>
  );
}
