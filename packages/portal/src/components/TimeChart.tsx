// A time series drawn by uPlot, with the same numbers as a table for screen readers and keyboard users
// (the canvas says nothing to them). uPlot builds its DOM and draws on a canvas with no inline script or
// style element, so the CSP's script-src/style-src 'self' hold; its stylesheet is bundled with ours.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

// Distinguishable on white and for the common colour-vision deficiencies (Okabe and Ito's palette).
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const timeLabel = (s: number) => {
  const iso = new Date(s * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
};

export function TimeChart({ title, times, series, format, id }: {
  title: string;
  /** Bucket starts, seconds since the epoch (UTC). */
  times: number[];
  series: ChartSeries[];
  format: (v: number) => string;
  id: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot>(undefined);
  const shape = series.map((s) => s.label).join('\u0000');
  const data = [times, ...series.map((s) => s.values)] as uPlot.AlignedData;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 220,
      // The axis in UTC, as the tables and the API's buckets are.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      series: [
        { value: (_u, v) => (v == null ? '' : timeLabel(v)) },
        // Points on a series with gaps (latency where a bucket had no request): a value between two empty buckets
        // is otherwise not drawn at all.
        ...series.map((s, i) => ({
          label: s.label, stroke: COLORS[i % COLORS.length]!, width: 2, points: { show: s.values.includes(null), size: 5, fill: COLORS[i % COLORS.length]! },
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : format(v)),
        })),
      ],
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => format(t)), size: 84 }],
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    };
    const u = new uPlot(opts, data, el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = undefined;
    };
  }, [shape]);
  useEffect(() => chart.current?.setData(data), [times, series]);

  const rows = times.map((t, i) => ({ t, values: series.map((s) => s.values[i] ?? null) })).filter((r) => r.values.some((v) => v !== null && v !== 0));
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <details>
        <summary>{title} as a table</summary>
        <div class="scroll" tabIndex={0} role="region" aria-label={`${title} table`}>
          <table data-testid={`${id}-table`}>
            <thead><tr><th scope="col">Time (UTC)</th>{series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}</tr></thead>
            <tbody>
              {rows.length === 0 && <tr><td colSpan={series.length + 1}>Nothing in this range.</td></tr>}
              {rows.map((r) => (
                <tr key={r.t}><th scope="row">{timeLabel(r.t)}</th>{r.values.map((v, i) => <td key={i}>{v === null ? '—' : format(v)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
