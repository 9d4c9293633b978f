import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signUpWithWorkflow } from "./support";

// Typed variables in the dashboard, in a real browser against the production build: the editor
// sets a type per variable, the playground renders the control for each, and an uploaded image
// reaches the (offline) model, which says so.
const e2e = inject("e2e");
const SHOTS = "test-results/screenshots";
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});
afterAll(async () => browser?.close());

describe("typed variables in the editor and the playground", () => {
  it("number, enum and image controls; the uploaded image reaches the model", async () => {
    await signUpWithWorkflow(page, e2e.baseUrl, {
      name: "Tia Typed",
      org: "Typed Labs",
      emailPrefix: "typed",
      workflow: "Describer",
      template: "Describe {{photo}} at {{level}} level in {{count}} words",
    });

    await page.selectOption('select[aria-label="photo type"]', "image");
    await page.selectOption('select[aria-label="level type"]', "enum");
    // An enum without values is flagged and not saved.
    await page.getByText("an enum variable needs its values listed").waitFor();
    await page.fill('input[aria-label="level values"]', "easy|hard");
    await page.selectOption('select[aria-label="count type"]', "number");
    await page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });

    expect(await page.getAttribute('input[name="var-count"]', "type")).toBe("number");
    await page.fill('input[name="var-count"]', "12");
    await page.selectOption('select[name="var-level"]', "hard");
    await page.setInputFiles('input[aria-label="photo file"]', { name: "dot.png", mimeType: "image/png", buffer: PNG });
    await page.getByAltText("photo preview").waitFor();
    await page.click('button:has-text("Run draft")');
    await page
      .getByTestId("playground-output")
      .getByText("Describe [received an image: image/png] at hard level in 12 words")
      .waitFor({ timeout: 20_000 });
    await page.getByTestId("playground-summary").waitFor({ timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/typed-playground.png`, fullPage: true });
    expect(await page.getByTestId("playground-summary").textContent()).toMatch(/^completed · /);
  });
});
