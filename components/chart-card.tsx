import type { ComponentProps, ReactNode } from "react";
import { ColumnChart } from "@/components/column-chart";
import { Card } from "@/components/ui";

// A card of the operator console that shows one column chart (which carries its own visually
// hidden table of the numbers for screen readers): `note` above the chart, `children` below it.
export function ChartCard({
  title,
  note,
  children,
  ...chart
}: ComponentProps<typeof ColumnChart> & { title: string; note?: ReactNode; children?: ReactNode }) {
  return (
    <Card title={title}>
      {note}
      <ColumnChart {...chart} />
      {children}
    </Card>
  );
}
