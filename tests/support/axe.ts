import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";

// WCAG 2 A and AA, as axe-core checks them (tests/e2e/accessibility.test.ts): every rule tagged
// wcag2a or wcag2aa, on the page as it is now (after its data has loaded).

export type AxeFinding = { page: string; rule: string; impact: string | null; help: string; nodes: string[] };

/** The page's WCAG 2 A/AA violations, one entry per rule, each with the elements that fail it. */
export async function wcagViolations(page: Page, label = new URL(page.url()).pathname): Promise<AxeFinding[]> {
  // After a server action the router refreshes the page and Next streams its metadata in again:
  // axe once ran in that window and found no <title>. A page that never gets one still fails here.
  await page.waitForFunction(() => document.title !== "", undefined, { timeout: 10_000 });
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  return result.violations.map((v) => ({
    page: label,
    rule: v.id,
    impact: v.impact ?? null,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")} — ${(n.failureSummary ?? "").replace(/\s+/g, " ").slice(0, 240)}`),
  }));
}

/** The findings as a report a failing test prints: page, rule, and each failing element. */
export function formatFindings(findings: AxeFinding[]): string {
  return findings.map((f) => `${f.page}: ${f.rule} (${f.impact}) ${f.help}\n${f.nodes.map((n) => `    ${n}`).join("\n")}`).join("\n");
}
