import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { formatFindings, wcagViolations } from "../support/axe";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startNextServer, type NextServer } from "../support/next-server";
import { startInbox, type Inbox } from "../support/smtp-server";
import { launchChromium, mailingServerEnv, signUpVerified } from "./support";

// The operator console in Chromium against a production server of its own: an operator (an
// address of FLOWGATE_OPERATOR_EMAILS, verified through a real SMTP inbox) signs in, finds the
// Operator link, lists and searches the orgs, opens a customer's org, grants credits (the ledger
// shows them) and suspends it with a reason; the customer's member then sees the reason in the
// dashboard. The member (no operator) gets 404 on every /operator page. Every console page passes
// axe-core's WCAG 2 A/AA rules. Screenshots go to SCREENS_DIR.

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const SHOTS = process.env.SCREENS_DIR ?? "test-results/screenshots/operator";
const tag = Date.now().toString(36);
const OP_EMAIL = `operator-${tag}@flowgate.test`;
const MEMBER_EMAIL = `member-${tag}@customer.test`;
const CUSTOMER = `Customer ${tag}`;

let server: NextServer;
let inbox: Inbox;
let browser: Browser;
let base: string;
let busyOrgId: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  inbox = await startInbox();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = mailingServerEnv({
    inbox,
    base,
    dataDirPrefix: "fg-operator-e2e-",
    more: {
      FLOWGATE_OPERATOR_EMAILS: OP_EMAIL,
      RATE_LIMIT_PER_MINUTE: "100000",
      // Two providers for the providers page; nothing listens there and nothing calls them.
      OPENAI_API_KEY: "e2e-not-a-real-key",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      FLOWGATE_PROVIDERS: JSON.stringify({ groq: { base_url: "http://127.0.0.1:9/groq/v1", api_key: "e2e-not-a-real-key" } }),
    },
  });
  const seeded = await exec(
    process.execPath,
    [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "tests/e2e/seed-operator.ts"],
    { cwd: ROOT, env },
  );
  busyOrgId = JSON.parse(seeded.stdout.trim().split("\n").at(-1)!).busyOrgId;
  server = await startNextServer({ env, port, readyTimeoutMs: 120_000 });
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGTERM");
  await inbox?.stop();
});

/** Signs up with a verified address (the mailed link) and creates the first organization. */
async function signUpWithOrg(ctx: BrowserContext, { name, email, org }: { name: string; email: string; org: string }) {
  const page = await ctx.newPage();
  await signUpVerified(page, { base, inbox, name, email, password: "correct horse battery" });
  await page.fill('input[name="org"]', org);
  await page.click('button:has-text("Create organization")');
  await page.waitForURL("**/dashboard/workflows", { timeout: 20_000 });
  return page;
}

/** axe-core's WCAG 2 A and AA rules on the page as it is now: no violations. */
async function expectAccessible(page: Page) {
  const findings = await wcagViolations(page, page.url());
  expect(findings, formatFindings(findings)).toEqual([]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

describe("operator console in Chromium", () => {
  let member: Page;
  let op: Page;

  it("a member of a customer org has no Operator link and gets 404 on every /operator page", async () => {
    member = await signUpWithOrg(await browser.newContext({ viewport: { width: 1280, height: 900 } }), {
      name: "Mia Member",
      email: MEMBER_EMAIL,
      org: CUSTOMER,
    });
    expect(await member.locator("nav >> text=Operator").count()).toBe(0);
    for (const p of [
      "/operator",
      `/operator/orgs/${busyOrgId}`,
      "/operator/health",
      "/operator/providers",
      "/operator/prices",
      "/operator/packs",
    ]) {
      const res = await member.goto(`${base}${p}`);
      expect(res!.status(), p).toBe(404);
      expect(await member.locator("text=Organizations").count()).toBe(0);
    }
    // Signed out alike.
    const anon = await (await browser.newContext()).newPage();
    expect((await anon.goto(`${base}/operator`))!.status()).toBe(404);
    await anon.context().close();
  });

  it("the operator opens the console from the dashboard, lists and searches the orgs", async () => {
    op = await signUpWithOrg(await browser.newContext({ viewport: { width: 1366, height: 900 } }), {
      name: "Olga Operator",
      email: OP_EMAIL,
      org: "Instance ops",
    });
    await op.click("nav >> text=Operator");
    await op.waitForURL(`${base}/operator`);
    const table = op.getByTestId("operator-orgs");
    await table.waitFor();
    expect(await table.innerText()).toContain("Busy Co");
    expect(await table.innerText()).toContain(CUSTOMER);
    const busyRow = table.locator("tr", { hasText: "Busy Co" });
    expect(await busyRow.innerText()).toMatch(/2,050,000/); // opening credits + the operator's grant
    expect(await busyRow.innerText()).toMatch(/dispute du_e2e opened\s+1 billing problem/);
    await shot(op, "01-orgs");
    await expectAccessible(op);

    // By a member's e-mail (part of it, any case).
    await op.fill('input[name="q"]', MEMBER_EMAIL.toUpperCase().slice(0, 20));
    await op.click('button:has-text("Search")');
    await op.waitForURL(/\/operator\?q=/);
    const rows = table.locator("tbody tr");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain(CUSTOMER);
    expect(await rows.first().innerText()).toContain("active");
    await shot(op, "02-search");
  });

  it("the operator grants credits (the ledger shows them) and suspends the org with a reason", async () => {
    await op.getByTestId("operator-orgs").locator(`a:has-text("${CUSTOMER}")`).click();
    await op.waitForURL(/\/operator\/orgs\/org_/);
    const before = Number((await op.getByTestId("operator-balance").innerText()).replace(/[^\d]/g, ""));
    await expectAccessible(op);

    await op.getByLabel("Credits", { exact: true }).fill("1234");
    await op.getByLabel("Reason (in the ledger and the audit log)").fill("goodwill for the outage");
    await op.click('button:has-text("Apply")');
    await op.getByTestId("operator-ledger").locator("tr", { hasText: "goodwill for the outage" }).waitFor();
    const entry = await op.getByTestId("operator-ledger").locator("tbody tr").first().innerText();
    expect(entry).toMatch(/adjust\s+\+1,234\s+[\d,]+\s+goodwill for the outage/);
    await expect.poll(async () => Number((await op.getByTestId("operator-balance").innerText()).replace(/[^\d]/g, ""))).toBe(before + 1234);
    expect(await op.getByTestId("operator-audit").innerText()).toContain("credits.adjust");

    op.once("dialog", (d) => d.accept());
    await op.getByLabel("Reason (shown to the org)").fill("Chargebacks under review");
    await op.click('button:has-text("Suspend")');
    await op.getByTestId("suspension").waitFor();
    expect(await op.getByTestId("suspension").innerText()).toContain("Chargebacks under review");
    expect(await op.getByTestId("operator-audit").innerText()).toContain("org.suspend");
    await shot(op, "03-org-suspended");
    await expectAccessible(op);

    await op.goto(`${base}/operator?q=${encodeURIComponent(CUSTOMER)}`);
    expect(await op.getByTestId("operator-orgs").locator("tbody tr").first().innerText()).toContain("suspended");
  });

  it("the member sees the suspension and its reason in the dashboard", async () => {
    await member.goto(`${base}/dashboard/workflows`);
    const banner = member.getByTestId("org-suspended");
    await banner.waitFor();
    expect(await banner.innerText()).toContain("Chargebacks under review");
    await shot(member, "04-member-sees-suspension");
  });

  it("the busy org's page: usage charts, ledger, keys by prefix, webhooks' health, audit log", async () => {
    await op.goto(`${base}/operator/orgs/${busyOrgId}`);
    expect(await op.locator("svg[role=img] rect").count()).toBeGreaterThan(30);
    expect(await op.getByTestId("operator-keys").innerText()).toMatch(/production\s+sk_/);
    expect(await op.getByTestId("operator-webhooks").innerText()).toMatch(/hooks\.busy\.example\/flowgate\s+\d+\s+\d+\s+\d+/);
    expect(await op.content()).not.toContain("whsec_");
    await shot(op, "05-busy-org");
    await expectAccessible(op);
  });

  it("instance health, providers, prices and packs: charts, and the prices and packs edited in the browser", async () => {
    await op.goto(`${base}/operator/health`);
    for (const id of ["chart-runs", "chart-errors", "chart-queue", "chart-queue-age", "chart-webhooks", "chart-mail"])
      expect(await op.getByTestId(id).locator("svg rect").count(), id).toBeGreaterThan(0);
    expect(await op.getByTestId("webhook-failure-rate").innerText()).toMatch(/\d+\.\d %/);
    expect(await op.getByTestId("mail-log").innerText()).toContain("550 5.1.1 mailbox unavailable");
    await shot(op, "06-health");
    await expectAccessible(op);

    await op.goto(`${base}/operator/providers`);
    const providers = await op.getByTestId("providers").innerText();
    expect(providers).toMatch(/openai\s+http:\/\/127\.0\.0\.1:9\/v1\s+chat\s+set\s+closed/);
    expect(providers).toMatch(/groq\s+http:\/\/127\.0\.0\.1:9\/groq\/v1/);
    expect(providers).not.toContain("e2e-not-a-real-key");
    await shot(op, "07-providers");
    await expectAccessible(op);

    await op.goto(`${base}/operator/prices`);
    await op.getByLabel("Model", { exact: true }).fill("groq:console-e2e-model");
    await op.getByLabel("Input per 1M tokens").fill("50000");
    await op.getByLabel("Output per 1M tokens").fill("80000");
    await op.click('form button:has-text("Save")');
    await op.getByTestId("prices").locator("tr", { hasText: "groq:console-e2e-model" }).waitFor();
    expect(await op.getByTestId("prices").locator("tr", { hasText: "groq:console-e2e-model" }).innerText()).toMatch(/50,000\s+80,000/);
    expect(await op.getByLabel("Model", { exact: true }).inputValue()).toBe(""); // the form empties once saved
    await op.getByRole("button", { name: "Edit the price of offline:echo" }).click();
    await op.getByLabel("Input, offline:echo").fill("2000000");
    await op.getByTestId("prices").locator('button:has-text("Save")').click();
    await expect
      .poll(async () => op.getByTestId("prices").locator("tr", { hasText: "offline:echo" }).innerText())
      .toMatch(/2,000,000\s+1,000,000/);
    await shot(op, "08-prices");
    await expectAccessible(op);

    await op.goto(`${base}/operator/packs`);
    await op.getByLabel("Name").fill("Enterprise");
    await op.getByLabel("Credits").fill("10000000");
    await op.getByLabel("Price").fill("399.00");
    await op.click('button:has-text("Create pack")');
    const row = op.getByTestId("packs").locator("tr", { hasText: "Enterprise" });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/10,000,000\s+\$399\.00\s+on sale/);
    op.once("dialog", (d) => d.accept());
    await op.getByRole("button", { name: "Archive Starter" }).click();
    await expect.poll(async () => op.getByTestId("packs").locator("tr", { hasText: "Starter" }).innerText()).toContain("archived");
    await shot(op, "09-packs");
    await expectAccessible(op);
  });
});
