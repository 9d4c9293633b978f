import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { controlUpstream, launchChromium, serveCustomerSite } from "./support";

// Structured output as the AI SDK's useObject hook meets it: a React page on another origin, in
// headless Chromium against the production build, renders partial objects parsed from the JSON
// text the stream URL sends while the model is still answering, then the whole object.
const e2e = inject("e2e");
const SHOTS = "test-results/screenshots";
const ANSWER = { title: "Charlie the dog", tags: ["loyal", "brave"], stars: 5 };
let browser: Browser;
let site: Awaited<ReturnType<typeof serveCustomerSite>>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  site = await serveCustomerSite({ entry: "pages/use-object.tsx", apiBase: e2e.baseUrl, key: e2e.key, config: { reviewId: e2e.reviewId } });
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe("useObject against the stream URL (structured output)", () => {
  it("renders a partial object mid-stream, then the whole one", async () => {
    // The fake model answers the JSON word by word ('{"title": ', '"Charlie ', …), slowly enough to watch.
    await controlUpstream(e2e.upstreamUrl, { text: JSON.stringify(ANSWER).replace(/([:,])/g, "$1 "), tokenDelayMs: 300 });
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    const failures: string[] = [];
    page.on("console", (m) => m.type() === "error" && failures.push(m.text()));
    try {
      await page.goto(site.url);
      await page.click("#review");
      // Mid-stream: the title and a first tag are on screen, the stars not yet.
      await page.waitForFunction(
        () => document.querySelectorAll("#tags li").length >= 1 && document.querySelector("#stars")?.textContent === "stars: …",
        null,
        { timeout: 20_000 },
      );
      await page.screenshot({ path: `${SHOTS}/useobject-mid-stream.png` });
      expect(await page.textContent("#status")).toBe("streaming…");
      expect(await page.textContent("#title")).toBe("Charlie the dog");
      expect(await page.textContent("#finished")).toBe("");

      await page.waitForFunction(() => document.querySelector("#finished")?.textContent !== "", null, { timeout: 20_000 });
      // onFinish got the object validated against the page's schema.
      expect(JSON.parse((await page.textContent("#finished"))!)).toEqual(ANSWER);
      expect(await page.textContent("#status")).toBe("idle");
      expect(await page.$$eval("#tags li", (els) => els.map((e) => e.textContent))).toEqual(ANSWER.tags);
      expect(await page.textContent("#stars")).toBe("stars: ★★★★★");

      const renders = (await page.evaluate(() => window.RENDERS)).map((r) => JSON.parse(r));
      expect(renders.at(-1)).toEqual(ANSWER);
      const partials = renders.slice(0, -1);
      expect(partials.length).toBeGreaterThan(1);
      // Every earlier render was a partial object: no stars yet, its title a prefix of the whole title.
      for (const p of partials) {
        expect(p.stars).toBeUndefined();
        expect(ANSWER.title.startsWith(p.title ?? "")).toBe(true);
      }
      expect(partials.some((p) => p.title === ANSWER.title && p.tags === undefined)).toBe(true);
      expect(await page.$("#error")).toBeNull();
      expect(failures).toEqual([]);
    } finally {
      await page.close();
      await controlUpstream(e2e.upstreamUrl, { reset: true });
    }
  });
});
