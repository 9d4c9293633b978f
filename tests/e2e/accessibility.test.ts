import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { formatFindings, wcagViolations, type AxeFinding } from "../support/axe";
import { launchChromium, publishDraft, signUpWithWorkflow } from "./support";

// Every page of the dashboard and the auth pages passes axe-core's WCAG 2 A and AA rules
// (issue 30), in the light and the dark theme — in an org with data: a published workflow that ran
// for several end users with feedback, a played draft, a key, a webhook with a delivery, an
// invitation, an eval, retention settings. Screenshots: test-results/screenshots/a11y.
const e2e = inject("e2e");
const SHOTS = "test-results/screenshots/a11y";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  // A context of its own: axe-core's runner opens a blank page beside this one to finish its run.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});
afterAll(async () => browser?.close());

/** Opens the page, lets it settle, and checks it. */
async function check(path: string, label = path): Promise<AxeFinding[]> {
  await page.goto(`${e2e.baseUrl}${path}`, { waitUntil: "load" });
  await page.waitForLoadState("networkidle", { timeout: 2_000 }).catch(() => {});
  return wcagViolations(page, label);
}

const PUBLIC_PAGES = [
  "/",
  "/sign-in",
  "/sign-up",
  "/forgot-password",
  "/reset-password?token=not-a-token",
  "/invite/inv_none",
  "/unsubscribe",
];
let signedInPages: string[] = [];

describe("accessibility: WCAG 2 A/AA (axe-core)", () => {
  it("the public and auth pages pass", async () => {
    const findings: AxeFinding[] = [];
    for (const p of PUBLIC_PAGES) findings.push(...(await check(p)));
    expect(findings, formatFindings(findings)).toEqual([]);
  }, 120_000);

  it("every dashboard page passes, in an org with data", async () => {
    const workflowId = await signUpWithWorkflow(page, e2e.baseUrl, {
      name: "Ally Access",
      org: "Access Co",
      emailPrefix: "a11y",
      workflow: "Greeter",
      template: "Hello {{name}}, write to me at ally@example.com",
    });
    await publishDraft(page, 1);
    // The playground, run once: its output and summary are on the page.
    await page.fill('textarea[name="var-name"]', "Ada");
    await page.click('button:has-text("Run draft")');
    await page.getByTestId("playground-summary").waitFor({ timeout: 20_000 });

    await page.goto(`${e2e.baseUrl}/dashboard/keys`);
    await page.fill('input[name="name"]', "a11y server");
    await page.click('button:has-text("Create key")');
    const key = (await page.getByTestId("new-key").textContent())!.trim();

    // A webhook endpoint on a public address (its deliveries fail here: no network), then traffic.
    await page.goto(`${e2e.baseUrl}/dashboard/webhooks`);
    await page.fill('input[name="url"]', "https://93.184.216.34/hooks/flowgate");
    await page.click('button:has-text("Add endpoint")');
    await page.getByText("whsec_").first().waitFor({ timeout: 20_000 });

    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${e2e.baseUrl}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    let lastRun = "";
    for (let u = 0; u < 6; u++) {
      const r = await call(`/api/v1/run/${workflowId}`, { name: `user ${u}`, user: `user-${u}` });
      expect(r.status).toBe(200);
      expect((await call(`/api/v1/runs/${r.body.run_id}/feedback`, { score: u % 2 ? 1 : -1 })).status).toBe(200);
      lastRun = r.body.run_id;
    }

    await page.goto(`${e2e.baseUrl}/dashboard/members`);
    await page.fill('input[name="email"]', `teammate${Date.now()}@example.com`);
    await page.click('button:has-text("Send invitation")');
    const inviteLink = (await page.getByTestId("invite-link").textContent({ timeout: 20_000 }))!.trim();

    // An eval: a case from a run, run against the draft.
    await page.goto(`${e2e.baseUrl}/dashboard/runs/${lastRun}`);
    await page.click('button:has-text("Add to dataset")');
    await page.waitForURL(`**/dashboard/workflows/${workflowId}/evals`, { timeout: 20_000 });
    await page.selectOption('select[aria-label="Eval target"]', "draft");
    await page.click('button:has-text("Run eval")');
    await page.waitForFunction(() => /completed/.test(document.querySelector('[data-testid="eval-runs"]')?.textContent ?? ""), undefined, {
      timeout: 60_000,
    });

    await page.goto(`${e2e.baseUrl}/dashboard/settings`);
    await page.getByLabel("For a number of days").check();
    await page.fill('input[name="retention-days"]', "30");
    await page.getByLabel(/Mask e-mail addresses/).check();
    await page.click('button:has-text("Save")');
    await page.getByText("Settings saved").waitFor({ timeout: 20_000 });

    signedInPages = [
      "/dashboard/workflows",
      `/dashboard/workflows/${workflowId}`,
      `/dashboard/workflows/${workflowId}/evals`,
      `/dashboard/runs/${lastRun}`,
      "/dashboard/keys",
      "/dashboard/usage",
      "/dashboard/billing",
      "/dashboard/members",
      "/dashboard/webhooks",
      "/dashboard/audit",
      "/dashboard/settings",
      "/dashboard/budgets",
      "/dashboard/api-reference",
      "/account",
      new URL(inviteLink).pathname,
    ];
    const findings: AxeFinding[] = [];
    for (const p of signedInPages) {
      findings.push(...(await check(p)));
      await page.screenshot({ path: `${SHOTS}/light${p.replaceAll("/", "_")}.png`, fullPage: true });
    }
    // The playground's output and the editor's highlighted template, after a run.
    await page.goto(`${e2e.baseUrl}/dashboard/workflows/${workflowId}`);
    await page.fill('textarea[name="var-name"]', "Grace");
    await page.click('button:has-text("Run draft")');
    await page.getByTestId("playground-summary").waitFor({ timeout: 20_000 });
    findings.push(...(await wcagViolations(page, `/dashboard/workflows/${workflowId} (after a playground run)`)));
    expect(findings, formatFindings(findings)).toEqual([]);
  }, 600_000);

  it("the same pages pass in the dark theme", async () => {
    expect(signedInPages.length).toBeGreaterThan(0);
    await page.evaluate(() => localStorage.setItem("theme", "dark"));
    await page.emulateMedia({ colorScheme: "dark" });
    const findings: AxeFinding[] = [];
    for (const p of [...signedInPages, ...PUBLIC_PAGES.filter((x) => x !== "/")]) {
      findings.push(...(await check(p, `${p} (dark)`)));
      if (p.startsWith("/dashboard")) await page.screenshot({ path: `${SHOTS}/dark${p.replaceAll("/", "_")}.png`, fullPage: true });
    }
    expect(findings, formatFindings(findings)).toEqual([]);
  }, 600_000);
});
