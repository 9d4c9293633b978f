import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signUp } from "./support";

// Buying credits in a real browser against the production build, through the Stripe stand-in
// (tests/support/stripe-standin.ts, started by the global setup): Billing → Buy → Stripe's hosted
// page → Pay (the stand-in sends the signed checkout.session.completed to the server, as Stripe
// does, and returns the buyer) → the balance shows the pack's credits.
const e2e = inject("e2e");
const SHOTS = process.env.SCREENS_DIR ?? "test-results/screenshots/billing";
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => browser?.close());

describe("dashboard: buy credits with Stripe Checkout", () => {
  it("Billing → Buy → Stripe's page → Pay → back with the credits added", async () => {
    await signUp(page, e2e.baseUrl, { name: "Bea Buyer", org: "Buyers Inc", email: `buyer${Date.now()}@example.com` });

    await page.click('nav >> text="Billing"');
    await page.waitForURL("**/dashboard/billing");
    const before = Number((await page.getByTestId("balance").innerText()).replace(/[^\d]/g, ""));
    await page.getByText("Starter").first().waitFor();

    await page.getByTestId(`buy-${e2e.packId}`).click();
    await page.waitForURL(`${e2e.stripeUrl}/c/pay/**`, { timeout: 20_000 });
    expect(await page.locator("h1").innerText()).toBe("Pay 15.00 USD");
    await page.screenshot({ path: `${SHOTS}/billing-01-stripe-checkout.png`, fullPage: true });

    await page.click('button:has-text("Pay 15.00 USD")');
    await page.waitForURL(/\/dashboard\/billing\?checkout=success&session_id=cs_test_/, { timeout: 20_000 });
    await page.getByTestId("paid").waitFor({ timeout: 20_000 });
    await expect
      .poll(async () => Number((await page.getByTestId("balance").innerText()).replace(/[^\d]/g, "")), { timeout: 10_000 })
      .toBe(before + 250_000);
    const purchases = page.getByTestId("purchases");
    expect(await purchases.innerText()).toMatch(/250,000\s+\$15\.00\s+paid\s+Receipt/);
    await page.screenshot({ path: `${SHOTS}/billing-02-paid.png`, fullPage: true });
  });
});
