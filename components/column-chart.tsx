// Column charts in inline SVG (no chart library, no client JavaScript) for the operator console:
// one column per bucket (a day, a minute, a job kind), stacked when there are several series, a
// scale on the left, bucket labels below, a legend, each value in its column's title, and the
// numbers as a visually hidden table for screen readers. Text is HTML beside the SVG, so the
// drawing may stretch to any width without stretching the letters.

export type ChartSeries = { name: string; color: "indigo" | "red" | "amber" | "emerald" | "sky" };

const FILL: Record<ChartSeries["color"], string> = {
  indigo: "fill-indigo-500",
  red: "fill-red-500",
  amber: "fill-amber-500",
  emerald: "fill-emerald-500",
  sky: "fill-sky-500",
};
const SWATCH: Record<ChartSeries["color"], string> = {
  indigo: "bg-indigo-500",
  red: "bg-red-500",
  amber: "bg-amber-500",
  emerald: "bg-emerald-500",
  sky: "bg-sky-500",
};

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** A round number at or above `max` for the top of the scale (1, 2, 5 × 10ⁿ). */
export function niceCeiling(max: number) {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

export function ColumnChart({
  label,
  unit,
  series,
  data,
  labelEvery,
  testId,
}: {
  /** What the chart shows, e.g. "Runs per minute, last hour". */
  label: string;
  unit: string;
  series: ChartSeries[];
  /** One entry per column; `values[i]` belongs to `series[i]` (stacked bottom to top). */
  data: Array<{ key: string; values: number[] }>;
  /** Label every n-th column (default: about six labels). */
  labelEvery?: number;
  testId?: string;
}) {
  const totals = data.map((d) => d.values.reduce((a, b) => a + b, 0));
  const top = niceCeiling(Math.max(0, ...totals));
  const w = 100 / Math.max(1, data.length);
  const every = labelEvery ?? Math.max(1, Math.ceil(data.length / 6));
  return (
    <figure className="space-y-2" data-testid={testId}>
      <figcaption className="sr-only">{label}</figcaption>
      {series.length > 1 ? (
        <ul className="flex flex-wrap gap-3 text-xs text-neutral-600 dark:text-neutral-300" aria-hidden="true">
          {series.map((s) => (
            <li key={s.name} className="flex items-center gap-1">
              <span className={`inline-block size-2.5 rounded-sm ${SWATCH[s.color]}`} />
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex gap-2">
        <div
          className="flex w-10 shrink-0 flex-col justify-between text-right text-[11px] text-neutral-600 dark:text-neutral-300"
          aria-hidden="true"
        >
          <span>{fmt(top)}</span>
          <span>{fmt(top / 2)}</span>
          <span>0</span>
        </div>
        <svg
          viewBox="0 0 100 40"
          preserveAspectRatio="none"
          className="h-32 w-full border-b border-l border-neutral-300 dark:border-neutral-700"
          role="img"
          aria-label={`${label} (${unit})`}
        >
          <line x1="0" x2="100" y1="20" y2="20" className="stroke-neutral-200 dark:stroke-neutral-800" strokeWidth="0.2" />
          {data.map((d, i) => {
            let y = 40;
            return (
              <g key={d.key}>
                <title>{`${d.key}: ${series.map((s, j) => `${fmt(d.values[j] ?? 0)} ${s.name.toLowerCase()}`).join(", ")}`}</title>
                {series.map((s, j) => {
                  const v = d.values[j] ?? 0;
                  const h = (v / top) * 40;
                  y -= h;
                  return v ? (
                    <rect key={s.name} x={i * w + w * 0.15} y={y} width={w * 0.7} height={Math.max(h, 0.4)} className={FILL[s.color]} />
                  ) : null;
                })}
              </g>
            );
          })}
        </svg>
      </div>
      {/* One cell per column, as wide as its column (no inline styles: the CSP forbids them). */}
      <div className="ml-12 flex text-[11px] text-neutral-600 dark:text-neutral-300" aria-hidden="true">
        {data.map((d, i) => (
          <span
            key={d.key}
            className={`flex min-w-0 flex-1 justify-center ${every === 1 ? "text-center leading-tight break-all" : "whitespace-nowrap"}`}
          >
            {i % every === 0 ? d.key : ""}
          </span>
        ))}
      </div>
      {/* A table box is never smaller than its rows: the visually hidden 1px box is a div around it. */}
      <div className="sr-only">
        <table>
          <caption>{`${label} (${unit})`}</caption>
          <thead>
            <tr>
              <th scope="col">Bucket</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.key}>
                <th scope="row">{d.key}</th>
                {series.map((s, j) => (
                  <td key={s.name}>{d.values[j] ?? 0}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
