/** Feed: each upstream's breaker (state, window rates, degraded share, trips and recoveries) and the switch to force it. */
import { useState } from 'preact/hooks';
import type { BreakerStats, UpstreamStats } from '../../../../../shared/operator/breaker.ts';
import { call } from '../api.ts';
import { RangePicker, TimeChart, type SeriesSpec } from '../chart.tsx';
import { ConfirmButton, formatDate, formatNumber, Loading, Outcome, Problem } from '../components.tsx';
import { useLoad, useRange } from '../load.ts';
import type { ScreenProps } from '../router.ts';

type Answer = 'live' | 'degraded' | 'failures' | 'slowCalls';
const ANSWERS: ReadonlyArray<SeriesSpec<Answer>> = [
  { key: 'live', label: 'Live', color: '#2f7d32' },
  { key: 'degraded', label: 'Degraded', color: '#d4380d', dash: [6, 3] },
  { key: 'failures', label: 'Failures', color: '#7b3fb5', dash: [2, 3] },
  { key: 'slowCalls', label: 'Slow calls', color: '#8a6d00', dash: [10, 4] },
];
const STATE_WORDS = {
  closed: 'Closed: calls go to the upstream',
  open: 'Open: answers are served degraded',
  'half-open': 'Half-open: probing the upstream',
};

export default function FeedScreen(_props: ScreenProps) {
  const range = useRange();
  const [reload, setReload] = useState(0);
  const { data: stats, error } = useLoad<BreakerStats>(`/api/feed/_stats${range.search}`, reload);

  return (
    <>
      <h1>Feed breaker</h1>
      <RangePicker idPrefix="feed" range={range.range} bucket={range.bucket} onChange={range.set} />
      <p>
        <button type="button" class="secondary" onClick={() => setReload(reload + 1)}>
          Refresh
        </button>
      </p>
      {error !== null && <Problem error={error} what="The breaker" />}
      {stats === null && error === null && <Loading what="the breaker" />}
      {stats !== null && stats.upstreams.length === 0 && <p>No upstream has answered yet.</p>}
      {stats?.upstreams.map((upstream) => (
        <Upstream key={upstream.upstream} upstream={upstream} bucket={stats.bucket} onForced={() => setReload(reload + 1)} />
      ))}
    </>
  );
}

function rate(value: number | null): string {
  return value === null ? 'not enough calls yet' : `${value.toFixed(1)} %`;
}

function Upstream({ upstream, bucket, onForced }: { upstream: UpstreamStats; bucket: 'hour' | 'day'; onForced: () => void }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const force = async (mode: 'open' | 'closed' | 'auto') => {
    setOutcome(null);
    try {
      await call('POST', '/api/feed/_status', { body: { mode } });
      setOutcome({ ok: true, text: mode === 'auto' ? 'The breaker is automatic again.' : `The breaker is forced ${mode}.` });
      onForced();
    } catch (failure) {
      setOutcome({ ok: false, text: `Not changed: ${failure instanceof Error ? failure.message : String(failure)}` });
    }
  };
  const id = `upstream-${upstream.upstream.replace(/[^A-Za-z0-9]+/g, '-')}`;
  return (
    <section aria-labelledby={`${id}-heading`} class="panel upstream">
      <h2 id={`${id}-heading`}>{upstream.upstream}</h2>
      <p class={`state state-${upstream.state}`} data-state={upstream.state}>
        <strong>{upstream.state}</strong> · {STATE_WORDS[upstream.state]}
        {upstream.forced ? ` (forced ${upstream.forced})` : ''}
      </p>
      <dl class="details">
        <dt>Calls in the current window</dt>
        <dd>{formatNumber(upstream.window.calls)}</dd>
        <dt>Failure rate</dt>
        <dd>{rate(upstream.window.failureRate)}</dd>
        <dt>Slow-call rate</dt>
        <dd>{rate(upstream.window.slowCallRate)}</dd>
        <dt>Answers served degraded</dt>
        <dd>{(upstream.degradedShare * 100).toFixed(1)} %</dd>
        <dt>Trips in range</dt>
        <dd>{formatNumber(upstream.trips)}</dd>
      </dl>
      <div class="actions" role="group" aria-label={`Force the breaker of ${upstream.upstream}`}>
        <ConfirmButton
          label="Force open"
          question="Force the breaker open? Every feed answer will be degraded until you set it back."
          confirmLabel="Force open"
          onConfirm={() => void force('open')}
        />
        <button type="button" class="secondary" onClick={() => void force('closed')}>
          Force closed
        </button>
        <button type="button" class="secondary" onClick={() => void force('auto')}>
          Automatic
        </button>
      </div>
      {outcome && <Outcome ok={outcome.ok}>{outcome.text}</Outcome>}
      <TimeChart id={`${id}-chart`} title="Feed answers and upstream outcomes" series={ANSWERS} rows={upstream.series} bucket={bucket} />
      <h3>Trips and recoveries</h3>
      {upstream.timeline.length === 0 ? (
        <p>No transition in this range.</p>
      ) : (
        <ol class="timeline" aria-label="Transitions, newest first">
          {[...upstream.timeline].reverse().map((t) => (
            <li key={`${t.at}-${t.to}`} data-to={t.to}>
              <time dateTime={t.at}>{formatDate(t.at)}</time>: {t.from} → <strong>{t.to}</strong>
              {t.reason ? ` (${t.reason})` : ''}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
