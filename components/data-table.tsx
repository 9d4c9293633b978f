import type { ReactNode } from "react";
import { Empty } from "@/components/ui";

// One table look for the operator console: a caption for screen readers, a header row of
// `scope="col"` cells, one row per item with a rule above it. A column says how its cells look;
// the first cell of a row carries the row's vertical padding, the last none on the right.

export type Column<T> = {
  /** The header text; `hideHeader` keeps it for screen readers only (a column of buttons). */
  header: string;
  hideHeader?: boolean;
  /** Numbers: right-aligned with tabular figures. */
  numeric?: boolean;
  /** More classes for this column's cells, e.g. "font-mono text-xs", "break-all", "whitespace-nowrap". */
  className?: string;
  cell: (row: T) => ReactNode;
};

// Whole class names (Tailwind finds the classes it generates by reading the source as text).
const ALIGN = { baseline: "align-baseline", top: "align-top" };
const PAD = {
  compact: { th: "py-1", td: "py-1" },
  normal: { th: "py-2", td: "py-1.5" },
  relaxed: { th: "py-2", td: "py-2" },
};

export function DataTable<T>({
  caption,
  testId,
  columns,
  rows,
  rowKey,
  empty,
  align,
  density = "normal",
  scroll = false,
}: {
  /** What the table holds, read to screen readers. */
  caption: string;
  testId?: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  /** Shown instead of the table when there are no rows. */
  empty?: ReactNode;
  /** Vertical alignment of the cells (default: middle). */
  align?: "baseline" | "top";
  density?: keyof typeof PAD;
  /** Scrolls sideways in a narrow container. */
  scroll?: boolean;
}) {
  if (rows.length === 0 && empty !== undefined) return <Empty>{empty}</Empty>;
  const cls = (c: Column<T>, i: number, pad: string, ...more: string[]) =>
    [i === 0 ? pad : "", i < columns.length - 1 ? "pr-3" : "", ...more].filter(Boolean).join(" ") || undefined;
  const table = (
    <table className="w-full text-sm" data-testid={testId}>
      <caption className="sr-only">{caption}</caption>
      <thead className="text-left text-neutral-600 dark:text-neutral-300">
        <tr>
          {columns.map((c, i) => (
            <th key={c.header} scope="col" className={cls(c, i, PAD[density].th, c.numeric ? "text-right" : "", "font-medium")}>
              {c.hideHeader ? <span className="sr-only">{c.header}</span> : c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={rowKey(r)} className={`border-t border-neutral-200 ${align ? `${ALIGN[align]} ` : ""}dark:border-neutral-800`}>
            {columns.map((c, i) => (
              <td key={c.header} className={cls(c, i, PAD[density].td, c.numeric ? "text-right tabular-nums" : "", c.className ?? "")}>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
  return scroll ? <div className="overflow-x-auto">{table}</div> : table;
}
