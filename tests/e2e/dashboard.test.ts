import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./support";

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

describe("dashboard: sign up → workflow → publish → key → API call → usage", () => {
  it("works end to end", async () => {
    const email = `admin${Date.now()}@example.com`;
    // The dashboard is gated: no session → sign-in.
    await page.goto(`${e2e.baseUrl}/dashboard/workflows`);
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    await page.goto(`${e2e.baseUrl}/sign-up`);
    await page.fill('input[name="name"]', "Ada Admin");
    await page.fill('input[name="org"]', "Acme Labs");
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', "correct horse battery");
    await shot("01-sign-up");
    await page.click('button[type="submit"]');
    await page.waitForURL("**/dashboard/workflows", { timeout: 20_000 });
    await page.getByText("No workflows yet").waitFor();
    expect(await page.textContent("aside")).toContain("Acme Labs · owner");
    await shot("02-workflows-empty");

    await page.fill('input[name="name"]', "Story writer");
    await page.fill('textarea[name="template"]', "Write a short story about {{story}} for {{ audience }}");
    await page.click('button:has-text("Create")');
    await page.waitForURL(/\/dashboard\/workflows\/wf_[a-z0-9]{24}$/, { timeout: 20_000 });
    const workflowId = page.url().split("/").at(-1)!;
    // Live variable detection, and an invalid template flagged inline.
    expect(await page.textContent("form, section")).toBeTruthy();
    await page.getByText("{{story}}").first().waitFor();
    await page.fill('textarea[name="template"]', "Write {{story");
    await page.getByText("Unclosed {{").waitFor();
    await page.fill('textarea[name="template"]', "Write a short story about {{story}} for {{ audience }}");
    await page.selectOption("select", "offline:echo");
    await shot("03-editor");
    await page.click('button:has-text("Publish")');
    await page.getByText("Published version 1").waitFor({ timeout: 20_000 });
    await page.getByTestId("curl").waitFor();
    expect(await page.getByTestId("curl").textContent()).toContain(`/api/v1/run/${workflowId}`);
    await shot("04-published");

    await page.goto(`${e2e.baseUrl}/dashboard/keys`);
    await page.fill('input[name="name"]', "e2e server");
    await page.click('button:has-text("Create key")');
    const key = (await page.getByTestId("new-key").textContent())!.trim();
    expect(key).toMatch(/^sk_[a-z0-9]{32}$/);
    await shot("05-key-created");

    const res = await fetch(`${e2e.baseUrl}/api/v1/run/${workflowId}`, {
      method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
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
    expect(await page.getByTestId("balance").textContent()).toBe((10_000 - body.credits_charged).toLocaleString("en-US"));
    await shot("06-usage");

    await page.goto(`${e2e.baseUrl}/dashboard/workflows`);
    expect(await page.getByTestId("status").first().textContent()).toBe("published v1");
  }, 120_000);
});
