import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium, publishDraft, signUpWithWorkflow } from "./support";

// Issue 21 in a real browser against the production build: two versions, production split 50/50,
// API traffic from 24 end users with feedback, the split's comparison on the usage page, a test
// case added from a run and one typed in, an eval of the draft against the production version
// side by side, and the publish gate switched on. Screenshots: /work/wt/screens (or SCREENS_DIR).
const e2e = inject("e2e");
const SHOTS = process.env.SCREENS_DIR ?? "test-results/screenshots/evals";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => browser?.close());

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/evals-${name}.png`, fullPage: true });

describe("dashboard: split → comparison → dataset from a run → eval draft vs production → gate", () => {
  it("works end to end", async () => {
    const workflowId = await signUpWithWorkflow(page, e2e.baseUrl, {
      name: "Eve Evals",
      org: "Evals Inc",
      emailPrefix: "evals",
      workflow: "Greeter",
      template: "Hello {{name}}",
    });
    await publishDraft(page, 1);
    await page.fill('textarea[name="template"]', "Hello there, {{name}}!");
    await publishDraft(page, 2);

    // Split production 50/50 between v1 and v2 from the labels panel.
    page.once("dialog", (d) => void d.accept());
    await page.getByLabel("Split weights").fill("1:50,2:50");
    await page.click('button:has-text("Split traffic")');
    await page.getByTestId("split-production").getByText("split v1 50% / v2 50%").waitFor({ timeout: 20_000 });
    await shot("01-split-set");

    await page.goto(`${e2e.baseUrl}/dashboard/keys`);
    await page.fill('input[name="name"]', "evals server");
    await page.click('button:has-text("Create key")');
    const key = (await page.getByTestId("new-key").textContent())!.trim();

    // 24 end users call the API; each keeps one version; v2's users like it better.
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${e2e.baseUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const served = new Map<string, number>();
    let lastRun = "";
    for (let u = 0; u < 24; u++) {
      const r = await call(`/api/v1/run/${workflowId}`, { name: `user ${u}`, user: `user-${u}` });
      expect(r.status).toBe(200);
      const v2 = r.body.result.startsWith("Hello there");
      served.set(`user-${u}`, v2 ? 2 : 1);
      expect((await call(`/api/v1/runs/${r.body.run_id}/feedback`, { score: v2 ? 1 : -1 })).status).toBe(200);
      lastRun = r.body.run_id;
    }
    expect(new Set(served.values()).size).toBe(2);
    const again = await call(`/api/v1/run/${workflowId}`, { name: "again", user: "user-0" });
    expect(again.body.result.startsWith("Hello there") ? 2 : 1).toBe(served.get("user-0"));

    await page.goto(`${e2e.baseUrl}/dashboard/usage`);
    const cmp = page.getByTestId("split-comparison-production");
    await cmp.waitFor({ timeout: 20_000 });
    const v1Runs = [...served.values()].filter((v) => v === 1).length + (served.get("user-0") === 1 ? 1 : 0);
    expect(await cmp.getByTestId("arm-v1").textContent()).toContain(`v150%${v1Runs}0.0%`);
    expect(await cmp.getByTestId("arm-v2").textContent()).toContain("1.00 (");
    expect(await cmp.getByTestId("arm-v1").textContent()).toContain("-1.00 (");
    await shot("02-split-comparison");

    // "Add to dataset" on a run's page.
    await page.goto(`${e2e.baseUrl}/dashboard/runs/${lastRun}`);
    await page.click('button:has-text("Add to dataset")');
    await page.waitForURL(`**/dashboard/workflows/${workflowId}/evals`, { timeout: 20_000 });
    await page.getByTestId("eval-cases").getByText(`From ${lastRun}`).waitFor();
    // A case typed in: the greeting must say "there" (v1's does not).
    await page.getByLabel("Case name").fill("says there");
    await page.getByLabel("Case inputs (JSON)").fill('{"name": "Bob"}');
    await page.getByLabel("Expected value").fill("there");
    await page.click('button:has-text("Add case")');
    await page.getByTestId("eval-cases").getByText("says there").waitFor({ timeout: 20_000 });

    // The draft changed since v2; eval it and the production version (v1, the split's primary arm).
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}`);
    await page.fill('textarea[name="template"]', "Hello there, dear {{name}}!");
    await page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}/evals`);
    await page.selectOption('select[aria-label="Eval target"]', "1");
    await page.click('button:has-text("Run eval")');
    await page.getByTestId("eval-runs").getByText("v1").waitFor({ timeout: 30_000 });
    await page.selectOption('select[aria-label="Eval target"]', "draft");
    await page.click('button:has-text("Run eval")');
    await page.getByTestId("eval-runs").getByText("draft").waitFor({ timeout: 30_000 });
    // Evals run on the job queue: the page refreshes itself until both have finished.
    await page.waitForFunction(
      () => (document.querySelector('[data-testid="eval-runs"]')?.textContent?.match(/completed/g)?.length ?? 0) >= 2,
      undefined,
      { timeout: 60_000 },
    );
    await page.reload();
    const totals = (await page.getByTestId("compare-totals").textContent())!;
    expect(totals).toMatch(/A: draft · 1\/2 passed · \d+ credits/);
    expect(totals).toMatch(/B: v1 · [01]\/2 passed · \d+ credits/);
    const compare = (await page.getByTestId("eval-compare").textContent())!;
    expect(compare).toContain('does not contain "there"');
    expect(compare).toContain("+ Hello there, dear Bob!");
    // The gate, switched on.
    // The switch shows the server's state: it turns on once the action has saved it and the page refreshed.
    await page.getByLabel("Require a passing eval to publish").click();
    await page.getByText("Publishing now requires a passing eval").waitFor({ timeout: 20_000 });
    await page.waitForFunction(
      () => (document.querySelector('input[aria-label="Require a passing eval to publish"]') as HTMLInputElement | null)?.checked === true,
      undefined,
      { timeout: 20_000 },
    );
    await shot("03-eval-side-by-side");

    // Publishing the draft is refused: its eval did not pass every case.
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}`);
    await page.click('button:has-text("Publish")');
    await page
      .getByText(/requires a passing eval of the draft/)
      .first()
      .waitFor({ timeout: 20_000 });
    await shot("04-publish-gated");
  });
});
