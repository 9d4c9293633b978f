import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { controlUpstream, launchChromium, signUp } from "./support";

// An org admin's first session, in a real browser against the production build: sign up (which
// creates the organization), create a workflow, edit and publish it, create a key, call the
// workflow with that key over HTTP, and find the run in Usage. Screenshots go to
// test-results/screenshots (gitignored; CI keeps them as artifacts).
const e2e = inject("e2e");
const SHOTS = "test-results/screenshots";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
});
afterAll(async () => browser?.close());

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

describe("dashboard: sign up → workflow → playground → publish → key → API call → usage", () => {
  it("works end to end", async () => {
    const email = `admin${Date.now()}@example.com`;
    // The dashboard is gated: no session → sign-in.
    await page.goto(`${e2e.baseUrl}/dashboard/workflows`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    await signUp(page, e2e.baseUrl, { name: "Ada Admin", org: "Acme Labs", email, beforeSubmit: () => shot("01-sign-up") });
    await page.getByText("No workflows yet").waitFor();
    expect(await page.textContent("aside")).toContain("Acme Labs · owner");
    await shot("02-workflows-empty");

    await page.fill('input[name="name"]', "Story writer");
    await page.fill('textarea[name="template"]', "Write a short story about {{story}} for {{ audience }}");
    await page.click('button:has-text("Create")');
    await page.waitForURL(/\/dashboard\/workflows\/wf_[a-z0-9]{24}$/, { timeout: 20_000 });
    const workflowId = page.url().split("/").at(-1)!;
    // Live variable detection, and an invalid template flagged inline.
    await page.getByText("{{story}}").first().waitFor();
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Story writer");
    expect(await page.locator("section :not(pre) > code").allTextContents()).toEqual(["{{story}}", "{{audience}}"]);
    await page.fill('textarea[name="template"]', "Write {{story");
    await page.getByText("Unclosed {{").waitFor();
    await page.fill('textarea[name="template"]', "Write a short story about {{story}} for {{ audience }}");
    await page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });

    // Playground on the draft, with a slow upstream model: the output is visibly partial while it
    // streams, then the run's tokens and credits are shown.
    await page.selectOption("select[name=model]", "openai:gpt-4o-mini");
    // The catalogue's price, read only, next to the picker.
    expect(await page.getByTestId("model-price").textContent()).toBe("15,000 in / 60,000 out credits per 1M tokens");
    await controlUpstream(e2e.upstreamUrl, { tokens: 12, tokenDelayMs: 120 });
    try {
      await page.fill('textarea[name="var-story"]', "a fox");
      await page.fill('textarea[name="var-audience"]', "kids");
      await page.click('button:has-text("Run draft")');
      const out = page.getByTestId("playground-output");
      await page.waitForFunction(
        () => {
          const el = document.querySelector("[data-testid=playground-output]");
          return el?.getAttribute("aria-busy") === "true" && /tok1 /.test(el.textContent ?? "") && !/tok11/.test(el.textContent ?? "");
        },
        undefined,
        { timeout: 20_000 },
      );
      await shot("03-playground-streaming");
      await page.getByTestId("playground-summary").waitFor({ timeout: 20_000 });
      expect(await out.textContent()).toContain("tok11");
      expect(await page.getByTestId("playground-summary").textContent()).toMatch(/^completed · \d+ tokens · \d+ credits · \d+ ms · run_/);
    } finally {
      await controlUpstream(e2e.upstreamUrl, { tokens: 20, tokenDelayMs: 0 });
    }

    // The offline model in the playground echoes the rendered draft.
    await page.selectOption("select[name=model]", "offline:echo");
    await page.click('button:has-text("Run draft")');
    await page.getByTestId("playground-output").getByText("Write a short story about a fox for kids").waitFor({ timeout: 20_000 });
    // Chat tab: useChat against the same endpoint; the message fills the first variable.
    await page.getByRole("tab", { name: "Chat" }).click();
    // The playground's field (the Compare card below has its own "audience" too).
    await page.getByLabel("audience", { exact: true }).first().fill("grown-ups");
    await page.getByLabel("Message").fill("a lighthouse");
    await page.click('button:has-text("Send")');
    await page.getByText("Write a short story about a lighthouse for grown-ups").waitFor({ timeout: 20_000 });
    await page.getByText(/\d+ tokens · \d+ credits · run_/).waitFor();
    await shot("04-playground-chat");

    await page.click('button:has-text("Publish")');
    await page.getByText("Published version 1").waitFor({ timeout: 20_000 });
    await page.getByTestId("snippet-curl").waitFor();
    expect(await page.getByTestId("snippet-curl").textContent()).toContain(`/api/v1/run/${workflowId}`);
    await shot("05-published");
    // A custom label on v1, set from the labels panel (used by a pinned API call below).
    await page.getByLabel("New label name").fill("staging");
    await page.click('button:has-text("Set label")');
    await page.getByText("staging → v1").waitFor({ timeout: 20_000 });

    // Change the draft, see the diff against v1, then restore v1 into the draft.
    await page.fill('textarea[name="template"]', "A poem about {{story}} for {{ audience }}");
    await page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });
    await page.reload();
    await page.getByTestId("version-1").getByText("Diff against the draft").click();
    await page.getByTestId("version-1").getByText("+ A poem about {{story}} for {{ audience }}").waitFor();
    await shot("06-version-diff");
    page.once("dialog", (d) => void d.accept());
    await page.getByTestId("version-1").getByRole("button", { name: "Restore into draft" }).click();
    await page.waitForFunction(
      () => (document.querySelector("textarea[name=template]") as HTMLTextAreaElement | null)?.value.startsWith("Write a short story"),
      undefined,
      { timeout: 20_000 },
    );

    await page.goto(`${e2e.baseUrl}/dashboard/keys`);
    await page.fill('input[name="name"]', "e2e server");
    await page.click('button:has-text("Create key")');
    const key = (await page.getByTestId("new-key").textContent())!.trim();
    expect(key).toMatch(/^sk_[a-z0-9]{32}$/);
    await shot("07-key-created");

    // The playground runs were charged too: read the balance before the API call.
    await page.goto(`${e2e.baseUrl}/dashboard/usage`);
    const balanceBefore = Number((await page.getByTestId("balance").textContent())!.replaceAll(",", ""));
    expect(balanceBefore).toBeLessThan(10_000);
    expect(await page.textContent("[data-testid=runs] tbody")).toContain("playground");

    const res = await fetch(`${e2e.baseUrl}/api/v1/run/${workflowId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ story: "a dog named charlie", audience: "kids" }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.result).toBe("Write a short story about a dog named charlie for kids");

    await page.goto(`${e2e.baseUrl}/dashboard/usage`);
    await page.getByTestId("runs").waitFor();
    const row = await page.textContent("[data-testid=runs] tbody");
    expect(row).toContain(body.run_id);
    expect(row).toContain("completed");
    expect(row).toContain(String(body.credits_charged));
    expect(await page.getByTestId("balance").textContent()).toBe((balanceBefore - body.credits_charged).toLocaleString("en-US"));
    await shot("08-usage");
    // The run page: the price it ran at and its model calls.
    await page.goto(`${e2e.baseUrl}/dashboard/runs/${body.run_id}`);
    expect(await page.getByTestId("run-facts").textContent()).toContain("offline:echo: 1,000,000 in / 1,000,000 out per 1M tokens");
    expect(await page.getByTestId("run-attempts").textContent()).toMatch(/1offline:echosucceeded–\d+ ms\d+ in · \d+ out/);
    await page.goto(`${e2e.baseUrl}/dashboard/usage`);
    // Dark theme, chosen in the sidebar and kept across a reload; then back to the system's.
    await page.selectOption('select[aria-label="Theme"]', "dark");
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
    await shot("08-usage-dark");
    await page.selectOption('select[aria-label="Theme"]', "system");

    const pinned = await fetch(`${e2e.baseUrl}/api/v1/run/${workflowId}?label=staging`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ story: "a cat", audience: "adults" }),
    });
    expect(pinned.status).toBe(200);
    expect((await pinned.json()).result).toBe("Write a short story about a cat for adults");

    // The audit log has the publish, the label move and the key; the API reference renders.
    await page.goto(`${e2e.baseUrl}/dashboard/audit`);
    const audit = await page.textContent("[data-testid=audit-log]");
    for (const action of ["workflow.publish", "label.move", "key.create"]) expect(audit).toContain(action);
    await shot("09-audit-log");
    await page.goto(`${e2e.baseUrl}/dashboard/api-reference`);
    await page.getByRole("heading", { name: "API reference" }).waitFor();
    expect(await page.getByTestId("operation").count()).toBeGreaterThan(8);
    await shot("10-api-reference");

    await page.goto(`${e2e.baseUrl}/dashboard/workflows`);
    expect(await page.getByTestId("status").first().textContent()).toBe("published v1");

    // Invite a teammate as a member: the link works only for that address; they land in the org
    // read-only (no editing, no key creation).
    await page.goto(`${e2e.baseUrl}/dashboard/members`);
    const mate = `mate${Date.now()}@example.com`;
    await page.fill('input[name="email"]', mate);
    await page.click('button:has-text("Send invitation")');
    const link = (await page.getByTestId("invite-link").textContent())!.trim();
    expect(link).toMatch(/\/invite\/[a-z0-9]{32}$/);
    await shot("11-members-invite");
    const ctx = await browser.newContext();
    const p2 = await ctx.newPage();
    try {
      await p2.goto(link);
      await p2.getByText("Join Acme Labs on Flowgate").waitFor();
      await p2.click("text=Create an account");
      await p2.fill('input[name="name"]', "Mate");
      await p2.fill('input[name="email"]', mate);
      await p2.fill('input[name="password"]', "another good password");
      await p2.click('button[type="submit"]');
      await p2.getByRole("button", { name: "Join" }).click({ timeout: 20_000 });
      await p2.waitForURL("**/dashboard/workflows", { timeout: 20_000 });
      expect(await p2.textContent("aside")).toContain("Acme Labs · member");
      await p2.getByText("Story writer").waitFor();
      expect(await p2.locator("text=New workflow").count()).toBe(0);
    } finally {
      await ctx.close();
    }
    await page.reload();
    expect(await page.textContent("[data-testid=members]")).toContain(mate);

    // Revoking the key in the dashboard stops it at once.
    await page.goto(`${e2e.baseUrl}/dashboard/keys`);
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Revoke" }).first().click();
    await page.getByText('Revoked "e2e server"').waitFor({ timeout: 20_000 });
    const revoked = await fetch(`${e2e.baseUrl}/api/v1/run/${workflowId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ story: "x", audience: "y" }),
    });
    expect(revoked.status).toBe(401);

    // At a phone's width the sidebar folds behind a menu button and the workflow list gets the
    // screen; the menu opens over the page, and following a link closes it.
    expect(await page.locator("aside").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Menu" }).isVisible()).toBe(false);
    const phone = await browser.newContext({
      storageState: await page.context().storageState(),
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const p3 = await phone.newPage();
      await p3.goto(`${e2e.baseUrl}/dashboard/workflows`);
      const list = p3.locator("table", { hasText: "Story writer" });
      await list.waitFor();
      expect(await p3.locator("aside").isVisible()).toBe(false);
      const menu = p3.getByRole("button", { name: "Menu" });
      expect(await menu.getAttribute("aria-expanded")).toBe("false");
      expect((await list.boundingBox())!.width).toBeGreaterThanOrEqual(300);
      const name = (await p3.getByRole("link", { name: "Story writer" }).boundingBox())!;
      expect(name.x).toBeGreaterThanOrEqual(0);
      expect(name.x + name.width).toBeLessThanOrEqual(390);
      expect(await p3.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await p3.screenshot({ path: `${SHOTS}/12-phone-menu-closed.png` });
      await menu.click();
      const aside = p3.locator("aside");
      await aside.waitFor({ state: "visible" });
      expect(await p3.getByRole("button", { name: "Close" }).getAttribute("aria-expanded")).toBe("true");
      expect((await aside.boundingBox())!.width).toBe(390);
      expect(await aside.locator("nav").getByRole("link").allTextContents()).toEqual([
        "Workflows",
        "API keys",
        "Usage",
        "Billing",
        "Members",
        "API reference",
        "Budgets",
        "Webhooks",
        "Audit log",
        "Settings",
      ]);
      await p3.screenshot({ path: `${SHOTS}/13-phone-menu-open.png` });
      await aside.getByRole("link", { name: "API keys" }).click();
      await p3.waitForURL("**/dashboard/keys");
      await aside.waitFor({ state: "hidden" });
      expect(await p3.getByRole("button", { name: "Menu" }).getAttribute("aria-expanded")).toBe("false");
    } finally {
      await phone.close();
    }

    // Signing out ends the session: the dashboard is gated again.
    await page.click('button:has-text("Sign out")');
    await page.waitForURL("**/sign-in", { timeout: 20_000 });
    await page.goto(`${e2e.baseUrl}/dashboard/usage`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");
  }, 180_000);
});
