/** One link: its details, clicks over time by kind, top referrers and countries, its QR code, edit and delete. */
import { useState } from 'preact/hooks';
import type { ClickStats } from '../../../../../shared/operator/clicks.ts';
import type { NamedCount } from '../../../../../shared/operator/common.ts';
import type { LinkView } from '../../../../../shared/operator/links.ts';
import { ApiError, call } from '../api.ts';
import { RangePicker, TimeChart, type SeriesSpec } from '../chart.tsx';
import { ConfirmButton, DataTable, formatDate, formatNumber, Link, Loading, Outcome, Problem } from '../components.tsx';
import { useLoad, useRange } from '../load.ts';
import { navigate, type ScreenProps } from '../router.ts';
import { LinkForm, type LinkFields } from './link-form.tsx';

type Kind = 'human' | 'bot' | 'preview' | 'scanner' | 'head';
const KINDS: ReadonlyArray<SeriesSpec<Kind>> = [
  { key: 'human', label: 'Human', color: '#1f6feb' },
  { key: 'bot', label: 'Bot', color: '#d4380d', dash: [6, 3] },
  { key: 'preview', label: 'Preview', color: '#7b3fb5', dash: [2, 3] },
  { key: 'scanner', label: 'Scanner', color: '#8a6d00', dash: [10, 4] },
  { key: 'head', label: 'HEAD', color: '#2f7d32', dash: [1, 2] },
];

export default function LinkScreen({ params }: ScreenProps) {
  const code = params[0] ?? '';
  const path = `/api/links/${encodeURIComponent(code)}`;
  const [version, setVersion] = useState(0);
  const { data: link, error: linkError } = useLoad<LinkView>(path, version);

  return (
    <>
      <p class="crumbs">
        <Link href="/links">Links</Link> / {code}
      </p>
      <h1>
        Link <code>{code}</code>
      </h1>
      {linkError !== null && <Problem error={linkError} what="This link" />}
      {link === null && linkError === null && <Loading what="the link" />}
      {link !== null && <Details link={link} />}
      <Clicks code={code} />
      {link !== null && <Qr link={link} />}
      {link !== null && <EditLink link={link} onSaved={() => setVersion(version + 1)} />}
    </>
  );
}

function Details({ link }: { link: LinkView }) {
  return (
    <dl class="details">
      <dt>Short URL</dt>
      <dd>
        <a href={link.shortUrl}>{link.shortUrl}</a>
      </dd>
      <dt>Destination</dt>
      <dd class="url">{link.url}</dd>
      <dt>Title</dt>
      <dd>{link.title ?? '—'}</dd>
      <dt>Status</dt>
      <dd>{link.status}</dd>
      <dt>Expires</dt>
      <dd>{formatDate(link.expiresAt)}</dd>
      <dt>Created</dt>
      <dd>{formatDate(link.createdAt)}</dd>
      <dt>Updated</dt>
      <dd>{formatDate(link.updatedAt)}</dd>
    </dl>
  );
}

function Clicks({ code }: { code: string }) {
  const range = useRange();
  const { data: stats, error } = useLoad<ClickStats>(`/api/links/${encodeURIComponent(code)}/clicks${range.search}`);

  return (
    <section aria-labelledby="clicks-heading" class="panel">
      <h2 id="clicks-heading">Clicks</h2>
      <RangePicker idPrefix="clicks" range={range.range} bucket={range.bucket} onChange={range.set} />
      {error !== null && <Problem error={error} what="The clicks" />}
      {stats === null && error === null && <Loading what="clicks" />}
      {stats !== null && (
        <>
          <ul class="totals" aria-label="Clicks by kind, all time">
            {KINDS.map((k) => (
              <li key={k.key} data-kind={k.key}>
                <span class="label">{k.label}</span> <span class="value">{formatNumber(stats.totals[k.key])}</span>
              </li>
            ))}
          </ul>
          <p id="qr-scans">{formatNumber(stats.qrScans)} of the human clicks in this range came through the QR code.</p>
          <TimeChart id="clicks-chart" title="Clicks by kind" series={KINDS} rows={stats.series} bucket={stats.bucket} />
          <div class="two">
            <TopTable id="referrers" title="Top referrers" rows={stats.referrers} />
            <TopTable id="countries" title="Top countries" rows={stats.countries} />
          </div>
        </>
      )}
    </section>
  );
}

function TopTable({ id, title, rows }: { id: string; title: string; rows: NamedCount[] }) {
  return (
    <DataTable
      id={id}
      caption={title}
      columns={['Name', 'Clicks']}
      empty="None yet."
      scroll={false}
      rows={rows.map((r) => (
        <tr key={r.name}>
          <td>{r.name}</td>
          <td>{formatNumber(r.n)}</td>
        </tr>
      ))}
    />
  );
}

function Qr({ link }: { link: LinkView }) {
  const base = `/api/links/${encodeURIComponent(link.code)}/qr`;
  const [failed, setFailed] = useState(false);
  return (
    <section aria-labelledby="qr-heading" class="panel qr">
      <h2 id="qr-heading">QR code</h2>
      {failed ? (
        <p class="notice error" role="alert">
          The QR code could not be loaded (the shortener may be down).
        </p>
      ) : (
        <img
          id="qr-image"
          src={`${base}?format=svg`}
          width={200}
          height={200}
          alt={`QR code for ${link.shortUrl}`}
          onError={() => setFailed(true)}
        />
      )}
      <p>
        <a href={`${base}?format=svg`} download={`${link.code}.svg`}>
          Download SVG
        </a>{' '}
        ·{' '}
        <a href={`${base}?format=png&size=512`} download={`${link.code}.png`}>
          Download PNG
        </a>
      </p>
    </section>
  );
}

function EditLink({ link, onSaved }: { link: LinkView; onSaved: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const path = `/api/links/${encodeURIComponent(link.code)}`;

  const save = async (fields: LinkFields) => {
    setSaved(false);
    setError(null);
    if (Object.keys(fields).length === 0) {
      setError(new ApiError(400, 'unchanged', 'nothing changed'));
      return;
    }
    setBusy(true);
    try {
      await call<LinkView>('PATCH', path, { body: fields });
      onSaved();
      setSaved(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="edit-heading" class="panel">
      <h2 id="edit-heading">Edit</h2>
      <LinkForm key={link.updatedAt} idPrefix="edit" initial={link} error={error} busy={busy} submitLabel="Save changes" onSubmit={save} />
      {saved && <Outcome ok>Saved.</Outcome>}
      <h2>Delete</h2>
      <p>A deleted link answers 410 Gone; its code is never handed out again.</p>
      <ConfirmButton
        label="Delete this link"
        question={`Delete ${link.shortUrl}? Visitors will get 410 Gone. This cannot be undone.`}
        confirmLabel="Delete"
        onConfirm={async () => {
          setDeleteError(null);
          try {
            await call('DELETE', path);
            navigate('/links');
          } catch (failure) {
            setDeleteError(failure);
          }
        }}
      />
      {deleteError !== null && (
        <Outcome ok={false}>Not deleted: {deleteError instanceof Error ? deleteError.message : String(deleteError)}</Outcome>
      )}
    </section>
  );
}
