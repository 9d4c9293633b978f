// A small accessible bar chart in SVG (no chart library, no client JavaScript): one bar per day,
// the value in each bar's title, and the numbers as a visually hidden table for screen readers.

export function BarChart({ label, data, unit }: { label: string; data: Array<{ day: string; value: number }>; unit: string }) {
  const max = Math.max(1, ...data.map((d) => d.value));
  const w = 100 / Math.max(1, data.length);
  return (
    <figure className="space-y-1">
      <figcaption className="sr-only">{label}</figcaption>
      <svg
        viewBox="0 0 100 40"
        preserveAspectRatio="none"
        className="h-28 w-full"
        role="img"
        aria-label={`${label}, last ${data.length} days`}
      >
        {data.map((d, i) => {
          const h = (d.value / max) * 38;
          return (
            <rect
              key={d.day}
              x={i * w + w * 0.15}
              y={40 - h}
              width={w * 0.7}
              height={Math.max(h, d.value ? 0.5 : 0)}
              className="fill-indigo-500"
            >
              <title>{`${d.day}: ${d.value.toLocaleString("en-US")} ${unit}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="flex justify-between text-[10px] text-neutral-500">
        <span>{data[0]?.day}</span>
        <span>{data.at(-1)?.day}</span>
      </div>
      <table className="sr-only">
        <caption>{label}</caption>
        <tbody>
          {data.map((d) => (
            <tr key={d.day}>
              <th>{d.day}</th>
              <td>{d.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
