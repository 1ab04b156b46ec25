/** Prerender: answers and renders over time, crawler categories, the render budget, the snapshot inventory, recache / purge / warm. */
import { useState } from 'preact/hooks';
import type { PrerenderStats, SnapshotList } from '../../../../../shared/operator/prerender.ts';
import { call, query } from '../api.ts';
import { RangePicker, RANGES, TimeChart, type SeriesSpec } from '../chart.tsx';
import {
  ConfirmButton,
  DataTable,
  Field,
  fieldError,
  formatAge,
  formatBytes,
  formatDate,
  formatNumber,
  Loading,
  Outcome,
  Problem,
} from '../components.tsx';
import { useLoad, useRange } from '../load.ts';
import type { ScreenProps } from '../router.ts';

type Answer = 'hits' | 'misses' | 'stale' | 'fallbacks';
const ANSWERS: ReadonlyArray<SeriesSpec<Answer>> = [
  { key: 'hits', label: 'Hit', color: '#2f7d32' },
  { key: 'misses', label: 'Miss', color: '#d4380d', dash: [6, 3] },
  { key: 'stale', label: 'Stale', color: '#8a6d00', dash: [2, 3] },
  { key: 'fallbacks', label: 'Fallback', color: '#7b3fb5', dash: [10, 4] },
];
type Work = 'renders' | 'browserSeconds';
const WORK: ReadonlyArray<SeriesSpec<Work>> = [
  { key: 'renders', label: 'Renders', color: '#1f6feb' },
  { key: 'browserSeconds', label: 'Browser seconds', color: '#555', dash: [6, 3] },
];

export default function PrerenderScreen(_props: ScreenProps) {
  const [reload, setReload] = useState(0);
  return (
    <>
      <h1>Prerender</h1>
      <Stats reload={reload} />
      <Actions onDone={() => setReload(reload + 1)} />
      <Snapshots reload={reload} />
    </>
  );
}

function Stats({ reload }: { reload: number }) {
  const range = useRange();
  const { data: stats, error } = useLoad<PrerenderStats>(`/__prerender/stats${range.search}`, reload);

  return (
    <section aria-labelledby="answers-heading" class="panel">
      <h2 id="answers-heading">Answers to crawlers</h2>
      <RangePicker idPrefix="prerender" range={range.range} bucket={range.bucket} onChange={range.set} />
      {error !== null && <Problem error={error} what="The prerender counts" />}
      {stats === null && error === null && <Loading what="prerender counts" />}
      {stats !== null && (
        <>
          <ul class="totals" aria-label="Totals since the start of retention">
            {(
              [
                ['Hits', stats.hits],
                ['Misses', stats.misses],
                ['Stale', stats.stale],
                ['Fallbacks', stats.fallbacks],
                ['Bypasses', stats.bypasses],
                ['Renders', stats.renders],
                ['Browser seconds', Math.round(stats.browserSeconds)],
              ] as const
            ).map(([label, value]) => (
              <li key={label}>
                <span class="label">{label}</span> <span class="value">{formatNumber(value)}</span>
              </li>
            ))}
          </ul>
          <TimeChart id="answers-chart" title="Answers by kind" series={ANSWERS} rows={stats.series} bucket={stats.bucket} />
          <Budget stats={stats} range={range.range} />
          <TimeChart id="renders-chart" title="Renders and browser time" series={WORK} rows={stats.series} bucket={stats.bucket} />
          <DataTable
            id="categories"
            caption="Visits per crawler category"
            columns={['Category', 'Visits', 'Renders', 'As Markdown', 'Refused', 'Signed', 'Cloudflare-verified', 'By IP', 'By UA only']}
            empty="No crawler visits in this range."
            rows={stats.categories.map((c) => (
              <tr key={c.category}>
                <td>{c.category}</td>
                <td>{formatNumber(c.visits)}</td>
                <td>{formatNumber(c.renders)}</td>
                <td>{formatNumber(c.markdown)}</td>
                <td>{formatNumber(c.refused)}</td>
                <td>{formatNumber(c.evidence.signature)}</td>
                <td>{formatNumber(c.evidence.cloudflare)}</td>
                <td>{formatNumber(c.evidence.ip)}</td>
                <td>{formatNumber(c.evidence['user-agent'])}</td>
              </tr>
            ))}
          />
        </>
      )}
    </section>
  );
}

function Budget({ stats, range }: { stats: PrerenderStats; range: string }) {
  const minutes = { '24h': 24 * 60, '7d': 7 * 24 * 60, '30d': 30 * 24 * 60 }[range] ?? 24 * 60;
  const allowed = stats.budget.perMinute * minutes;
  const label = RANGES.find((r) => r.value === range)?.label.toLowerCase() ?? range;
  return (
    <div class="budget">
      <label for="budget-meter">
        Render budget, {label}: {formatNumber(stats.budget.rendersInRange)} renders of {formatNumber(allowed)} allowed (
        {formatNumber(stats.budget.perMinute)} a minute, {formatNumber(stats.budget.perCategoryPerMinute)} per crawler category)
      </label>
      <meter id="budget-meter" min={0} max={Math.max(1, allowed)} value={stats.budget.rendersInRange} high={allowed * 0.8} />
    </div>
  );
}

function Actions({ onDone }: { onDone: () => void }) {
  const [target, setTarget] = useState<'url' | 'prefix'>('url');
  const [value, setValue] = useState('');
  const [device, setDevice] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const problem = fieldError(error, ['url', 'prefix', 'device']);

  const run = async (action: 'recache' | 'purge' | 'warm') => {
    setBusy(true);
    setAnswer(null);
    setError(null);
    try {
      const body = action === 'warm' ? {} : { [target]: value.trim(), ...(device ? { device } : {}) };
      const result = await call<Record<string, unknown>>('POST', `/__prerender/${action}`, { body });
      setAnswer(`${action}: ${summarize(result)}`);
      onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="actions-heading" class="panel">
      <h2 id="actions-heading">Recache, purge, warm</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void run('recache');
        }}
      >
        <fieldset>
          <legend>Which snapshots</legend>
          <label class="inline">
            <input type="radio" name="target" value="url" checked={target === 'url'} onChange={() => setTarget('url')} /> One URL
          </label>
          <label class="inline">
            <input type="radio" name="target" value="prefix" checked={target === 'prefix'} onChange={() => setTarget('prefix')} /> Every URL
            under a prefix
          </label>
        </fieldset>
        <Field
          id="action-target"
          label={target === 'url' ? 'Page URL' : 'URL prefix'}
          hint="An absolute URL of the site"
          error={problem?.field === target ? problem.message : undefined}
        >
          {(describedBy, invalid) => (
            <input
              id="action-target"
              type="url"
              value={value}
              onInput={(e) => setValue(e.currentTarget.value)}
              placeholder="https://www.example.com/article/1"
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <Field id="action-device" label="Device" error={problem?.field === 'device' ? problem.message : undefined}>
          {(describedBy) => (
            <select id="action-device" value={device} onChange={(e) => setDevice(e.currentTarget.value)} aria-describedby={describedBy}>
              <option value="">Both</option>
              <option value="mobile">Mobile</option>
              <option value="desktop">Desktop</option>
            </select>
          )}
        </Field>
        <div class="actions">
          <button type="submit" disabled={busy || value.trim() === ''}>
            Recache
          </button>
          <ConfirmButton
            label="Purge"
            question={`Purge the snapshots of ${value.trim() || 'this target'}? Crawlers get a fresh render (or a fallback) next time.`}
            confirmLabel="Purge"
            onConfirm={() => void run('purge')}
          />
          <button type="button" class="secondary" disabled={busy} onClick={() => void run('warm')}>
            Warm from the sitemap
          </button>
        </div>
      </form>
      {answer && <Outcome ok>{answer}</Outcome>}
      {problem !== null && (problem.field === null || problem.field !== target) && problem.field !== 'device' && (
        <Problem error={error} what="The action" />
      )}
    </section>
  );
}

/** A one-line account of an owner's answer: its counts and outcomes. */
function summarize(result: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') parts.push(`${key} ${value}`);
    else if (Array.isArray(value)) {
      for (const item of value) {
        if (item && typeof item === 'object' && 'outcome' in item) {
          const { device, outcome } = item as { device?: unknown; outcome?: unknown };
          parts.push(`${String(device ?? '')} ${String(outcome)}`.trim());
        }
      }
    }
  }
  return parts.join(', ') || 'done';
}

function Snapshots({ reload }: { reload: number }) {
  const [prefix, setPrefix] = useState('');
  const [cursor, setCursor] = useState('');
  const { data: list, error } = useLoad<SnapshotList>(`/__prerender/snapshots${query({ prefix, cursor, limit: 50 })}`, reload);

  return (
    <section aria-labelledby="snapshots-heading" class="panel">
      <h2 id="snapshots-heading">Snapshots</h2>
      <form
        role="search"
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          setCursor('');
          setPrefix(String(new FormData(event.currentTarget).get('prefix') ?? '').trim());
        }}
      >
        <label for="snapshots-prefix">Filter by URL prefix</label>
        <input id="snapshots-prefix" name="prefix" type="search" defaultValue={prefix} placeholder="https://www.example.com/article/" />
        <button type="submit">Filter</button>
      </form>
      {error !== null && <Problem error={error} what="The snapshots" />}
      {list === null && error === null && <Loading what="snapshots" />}
      {list !== null && (
        <>
          <DataTable
            id="snapshots"
            caption={prefix ? `Snapshots under ${prefix}` : 'Every snapshot'}
            columns={['URL', 'Device', 'Age', 'Status', 'Size', 'Freshness']}
            empty="No snapshot."
            rows={list.items.map((s) => (
              <tr key={`${s.device} ${s.url}`}>
                <td class="url">{s.url}</td>
                <td>{s.device}</td>
                <td>
                  <time dateTime={s.renderedAt} title={formatDate(s.renderedAt)}>
                    {formatAge(s.ageSeconds)}
                  </time>
                </td>
                <td>{s.status}</td>
                <td>{formatBytes(s.bytes)}</td>
                <td>{s.freshness}</td>
              </tr>
            ))}
          />
          <nav class="pager" aria-label="Pages of snapshots">
            <button type="button" disabled={cursor === ''} onClick={() => setCursor('')}>
              First page
            </button>
            <button type="button" disabled={list.cursor === null} onClick={() => setCursor(list.cursor ?? '')}>
              Next page
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
