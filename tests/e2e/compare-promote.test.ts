import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { controlUpstream, launchChromium, publishDraft, signUpWithWorkflow } from "./support";

// Issue 32 in a real browser against the production build: Compare in the editor (two columns —
// the draft on the offline model, v2 on an upstream model that streams slowly — side by side,
// with tokens, latency, credits and the judge's score per column; "Use this" copies v2 and its
// model into the draft), then the split comparison with each version's judge score and
// "Promote", audited. Both views pass axe's WCAG 2 A/AA rules. Screenshots: SCREENS_DIR.
const e2e = inject("e2e");
const SHOTS = process.env.SCREENS_DIR ?? "test-results/screenshots/compare";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  // A context of its own: axe's builder needs one (it opens a page beside this one).
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
});
afterAll(async () => {
  await controlUpstream(e2e.upstreamUrl, { reset: true });
  await browser?.close();
});

async function axe() {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

const saved = () => page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });

const publish = (n: number) => publishDraft(page, n);

describe("Compare in the editor, and Promote with evidence", () => {
  it("two columns stream side by side, judged; Use this copies v2 and its model; promote ends the split, audited", async () => {
    const workflowId = await signUpWithWorkflow(page, e2e.baseUrl, {
      name: "Cora Compare",
      org: "Compare Inc",
      emailPrefix: "compare",
      workflow: "Fox lines",
      template: "Tell a story about {{story}}",
    });
    await publish(1);
    await page.fill('textarea[name="template"]', "Write one line about {{story}}");
    await publish(2);
    await page.fill('textarea[name="template"]', "Draft: a line on {{story}}");
    await saved();

    // The upstream model streams a word every 150 ms; the judge (structured output) answers a fixed score.
    await controlUpstream(e2e.upstreamUrl, {
      text: "A fox slipped through the hedge at dusk and was home before the moon.",
      tokenDelayMs: 150,
      structuredText: '{"score": 0.85, "reason": "It is one line and names the animal."}',
    });

    // A judge check in the dataset, and evals of v1 and v2 (the promote view's evidence).
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}/evals`);
    await page.locator("summary", { hasText: "Import JSONL or CSV" }).click();
    await page
      .getByLabel("Cases to import")
      .fill(
        '{"name": "fox", "inputs": {"story": "a fox"}, "expectations": [{"type": "judge", "rubric": "One line that names the animal", "pass_score": 0.7, "model": "openai.chat:judge-m"}]}',
      );
    await page.click('button:has-text("Import")');
    await page.getByTestId("eval-cases").getByText("One line that names the animal").waitFor({ timeout: 20_000 });
    for (const v of ["1", "2"]) {
      await page.getByLabel("Eval target").selectOption(v);
      await page.click('button:has-text("Run eval")');
      await page.getByTestId("eval-runs").getByText(`v${v}`).waitFor({ timeout: 30_000 });
    }
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="eval-runs"]')?.textContent?.match(/completed/g)?.length ?? 0) >= 2,
      undefined,
      { timeout: 60_000 },
    );

    // Split production between v1 and v2.
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}`);
    page.once("dialog", (d) => void d.accept());
    await page.getByLabel("Split weights").fill("1:50,2:50");
    await page.click('button:has-text("Split traffic")');
    await page.getByTestId("split-production").getByText("split v1 50% / v2 50%").waitFor({ timeout: 20_000 });

    // Compare: the draft (offline model) and v2 on an upstream model.
    const cmp = page.getByTestId("compare");
    await cmp.getByLabel("Column 1 version").selectOption("draft");
    await cmp.getByLabel("Column 2 version").selectOption("2");
    const upstreamModel = await cmp
      .getByLabel("Column 2 model")
      .evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value).find((v) => v.startsWith("openai:"))!);
    await cmp.getByLabel("Column 2 model").selectOption(upstreamModel);
    await cmp.getByLabel("story", { exact: true }).fill("a fox");
    await cmp.getByRole("button", { name: "Compare 2 columns" }).click();

    // Streaming: column 2 shows part of its answer while it is still running; column 1 has finished meanwhile.
    await page.waitForFunction(
      () => {
        const out = document.querySelector('[data-testid="compare-output-1"]');
        return out?.getAttribute("aria-busy") === "true" && /A fox slipped/.test(out.textContent ?? "");
      },
      undefined,
      { timeout: 20_000 },
    );
    expect(await page.getByTestId("compare-output-1").textContent()).not.toContain("before the moon.");
    await page.getByTestId("compare-stats-0").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("compare-output-0").textContent()).toContain("Draft: a line on a fox");

    for (const i of [0, 1]) await page.getByTestId(`compare-judge-${i}`).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("compare-output-1").textContent()).toBe(
      "A fox slipped through the hedge at dusk and was home before the moon.",
    );
    for (const i of [0, 1]) {
      const stats = (await page.getByTestId(`compare-stats-${i}`).textContent())!;
      expect(stats).toMatch(/Tokens\d+Latency\d+ msCredits\d+/);
      expect(await page.getByTestId(`compare-judge-${i}`).textContent()).toContain("judge 0.85");
    }
    await page
      .getByTestId("compare")
      .locator("xpath=ancestor::section[1]")
      .screenshot({ path: `${SHOTS}/compare.png` });
    await axe();

    // Use this: v2's template and the upstream model become the draft.
    page.once("dialog", (d) => void d.accept());
    await page.getByTestId("compare-column-1").getByRole("button", { name: "Use this" }).click();
    await page.getByText(`The draft now uses v2 on ${upstreamModel}`).waitFor({ timeout: 20_000 });
    expect(await page.inputValue('textarea[name="template"]')).toBe("Write one line about {{story}}");
    expect(await page.inputValue("select[name=model]")).toBe(upstreamModel);
    await saved();
    await page.reload();
    expect(await page.inputValue('textarea[name="template"]')).toBe("Write one line about {{story}}");
    expect(await page.inputValue("select[name=model]")).toBe(upstreamModel);

    // Promote with evidence: each arm's judge score from its eval, then v2 takes production.
    const promote = page.getByTestId("promote-production");
    await promote.waitFor();
    expect(await promote.getByTestId("judge-v1").textContent()).toBe("0.85 (1)");
    expect(await promote.getByTestId("judge-v2").textContent()).toBe("0.85 (1)");
    await promote.locator("xpath=ancestor::section[1]").screenshot({ path: `${SHOTS}/promote.png` });
    await axe();
    page.once("dialog", (d) => void d.accept());
    await promote.getByRole("button", { name: "Promote v2" }).click();
    await page.getByText("production → v2 (split ended)").waitFor({ timeout: 20_000 });
    await page.getByTestId("promote-production").waitFor({ state: "detached", timeout: 20_000 });
    expect(await page.getByTestId("split-production").count()).toBe(0);

    await page.goto(`${e2e.baseUrl}/dashboard/audit`);
    await page.getByText("label.promote").first().waitFor({ timeout: 20_000 });
  });
});
