/**
 * A time-series chart (uPlot: canvas, made for time series) with its data as a table beside it, so
 * the numbers are there for keyboard and screen-reader users too. Loaded only by screens that chart.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatNumber } from './components.tsx';

export interface SeriesSpec<K extends string> {
  key: K;
  label: string;
  color: string;
  /** Drawn dashed, so series differ by more than colour. */
  dash?: number[];
}

export interface ChartProps<K extends string> {
  id: string;
  /** What the chart shows, for its accessible name and the table's caption. */
  title: string;
  series: ReadonlyArray<SeriesSpec<K>>;
  rows: ReadonlyArray<{ t: string } & Record<K, number>>;
  bucket: 'hour' | 'day';
}

export function TimeChart<K extends string>({ id, title, series, rows, bucket }: ChartProps<K>) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = box.current;
    if (!target) return;
    const data: uPlot.AlignedData = [rows.map((r) => Date.parse(r.t) / 1000), ...series.map((s) => rows.map((r) => r[s.key]))];
    const width = () => Math.max(280, Math.floor(target.clientWidth));
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: rows.length < 60 } })),
        ],
        axes: [{}, { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatNumber(t)) }],
        scales: { y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max)] } },
        legend: { live: false },
      },
      data,
      target,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
    resize.observe(target);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [rows, series]);

  const totals = series.map((s) => rows.reduce((sum, r) => sum + r[s.key], 0));
  const summary = `${title}: ${series.map((s, i) => `${s.label} ${formatNumber(totals[i] ?? 0)}`).join(', ')} over ${rows.length} ${bucket === 'hour' ? 'hours' : 'days'}.`;
  return (
    <figure class="chart" id={id}>
      <div ref={box} role="img" aria-label={summary} class="chart-canvas" />
      <figcaption>{summary}</figcaption>
      <details>
        <summary>Show the data as a table</summary>
        <div class="table-wrap" role="region" aria-label={`${title}, data`} tabIndex={0}>
          <table>
            <caption>
              {title}, per {bucket}
            </caption>
            <thead>
              <tr>
                <th scope="col">{bucket === 'hour' ? 'Hour' : 'Day'}</th>
                {series.map((s) => (
                  <th scope="col" key={s.key}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.t}>
                  <th scope="row">
                    {new Date(r.t).toLocaleString(
                      undefined,
                      bucket === 'hour' ? { dateStyle: 'short', timeStyle: 'short' } : { dateStyle: 'medium' },
                    )}
                  </th>
                  {series.map((s) => (
                    <td key={s.key}>{formatNumber(r[s.key])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

export const RANGES = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
] as const;

/** The range and bucket pickers every chart screen has. */
export function RangePicker({
  idPrefix,
  range,
  bucket,
  onChange,
}: {
  idPrefix: string;
  range: string;
  bucket: string;
  onChange: (range: string, bucket: string) => void;
}) {
  return (
    <div class="range-picker">
      <div class="field">
        <label for={`${idPrefix}-range`}>Range</label>
        <select id={`${idPrefix}-range`} value={range} onChange={(e) => onChange(e.currentTarget.value, bucket)}>
          {RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${idPrefix}-bucket`}>Bucket</label>
        <select id={`${idPrefix}-bucket`} value={bucket} onChange={(e) => onChange(range, e.currentTarget.value)}>
          <option value="hour">Hour</option>
          <option value="day">Day</option>
        </select>
      </div>
    </div>
  );
}
