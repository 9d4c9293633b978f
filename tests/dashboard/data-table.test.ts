import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ChartCard } from "@/components/chart-card";
import { DataTable, type Column } from "@/components/data-table";

type Row = { id: string; name: string; credits: number };
const columns: Column<Row>[] = [
  { header: "Name", className: "font-mono", cell: (r) => r.name },
  { header: "Credits", numeric: true, cell: (r) => r.credits.toLocaleString("en-US") },
  { header: "Edit", hideHeader: true, cell: (r) => `edit ${r.id}` },
];
const table = (rows: Row[], more: object = {}) =>
  renderToStaticMarkup(
    createElement(DataTable<Row>, { caption: "Rows, newest first", testId: "rows", columns, rows, rowKey: (r) => r.id, ...more }),
  );

describe("DataTable", () => {
  it("a captioned table: column headers, one row per item, numbers right-aligned, a hidden header kept for screen readers", () => {
    const html = table([
      { id: "a", name: "Alpha", credits: 1500 },
      { id: "b", name: "Beta", credits: 2 },
    ]);
    expect(html).toMatch(/^<table class="w-full text-sm" data-testid="rows"><caption class="sr-only">Rows, newest first<\/caption>/);
    expect(html).toContain('<th scope="col" class="py-2 pr-3 font-medium">Name</th>');
    expect(html).toContain('<th scope="col" class="pr-3 text-right font-medium">Credits</th>');
    expect(html).toContain('<th scope="col" class="font-medium"><span class="sr-only">Edit</span></th>');
    expect(html).toContain(
      '<td class="py-1.5 pr-3 font-mono">Alpha</td><td class="pr-3 text-right tabular-nums">1,500</td><td>edit a</td>',
    );
    expect(html.match(/<tr class="border-t/g)).toHaveLength(2);
  });

  it("no rows: the empty message instead of a table when one is given, an empty table otherwise", () => {
    expect(table([], { empty: "Nothing yet." })).toMatch(/^<p [^>]*>Nothing yet\.<\/p>$/);
    expect(table([])).toContain("<tbody></tbody>");
  });

  it("density, alignment and a sideways-scrolling box", () => {
    const html = table([{ id: "a", name: "Alpha", credits: 1 }], { density: "compact", align: "top", scroll: true });
    expect(html).toMatch(/^<div class="overflow-x-auto"><table/);
    expect(html).toContain('<th scope="col" class="py-1 pr-3 font-medium">Name</th>');
    expect(html).toContain('<tr class="border-t border-neutral-200 align-top dark:border-neutral-800"><td class="py-1 pr-3 font-mono">');
  });
});

describe("ChartCard", () => {
  it("a titled card with the note, the chart (and its hidden table of the numbers), then the children", () => {
    const html = renderToStaticMarkup(
      createElement(
        ChartCard,
        {
          title: "Runs per day",
          note: createElement("p", null, "a note"),
          testId: "chart-runs",
          label: "Runs per day, last 30 days",
          unit: "runs",
          series: [{ name: "Runs", color: "sky" }],
          data: [{ key: "12-01", values: [3] }],
        },
        createElement("p", null, "below"),
      ),
    );
    expect(html).toMatch(/<h2 [^>]*>Runs per day<\/h2><\/div><p>a note<\/p><figure [^>]*data-testid="chart-runs"/);
    expect(html).toContain('<svg viewBox="0 0 100 40"');
    expect(html).toContain("<caption>Runs per day, last 30 days (runs)</caption>");
    expect(html).toMatch(/<th scope="row">12-01<\/th><td>3<\/td>/);
    expect(html).toMatch(/<\/figure><p>below<\/p><\/section>$/);
  });
});
