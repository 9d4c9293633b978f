import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { controlUpstream, launchChromium, serveCustomerSite } from "./support";

// The stream endpoint as real browsers meet it: a page on another origin, in headless Chromium,
// against the production build.
const e2e = inject("e2e");
let browser: Browser;
let site: Awaited<ReturnType<typeof serveCustomerSite>>;

beforeAll(async () => {
  browser = await launchChromium();
  site = await serveCustomerSite({
    entry: "pages/stream-client.tsx",
    apiBase: e2e.baseUrl,
    key: e2e.key,
    config: { chatId: e2e.chatId, noVarsId: e2e.noVarsId },
  });
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe("stream endpoint in a real browser (cross-origin)", () => {
  it("useChat streams the answer, and the seed's StreamingText shows the streamed text", async () => {
    await controlUpstream(e2e.upstreamUrl, { echo: true, tokenDelayMs: 5 });
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("console", (m) => m.type() === "error" && failures.push(m.text()));
    try {
      await page.goto(site.url);
      // StreamingText: a workflow without variables, streamed as plain text (docs/contract.md, stream tokens and the stream endpoint).
      await page.waitForFunction(() => (document.querySelector(".streaming-text")?.textContent ?? "").includes("Charlie"), null, {
        timeout: 20_000,
      });
      expect(await page.textContent(".streaming-text")).toBe("Tell me a short story about a dog named Charlie.");

      await page.fill("#prompt", "What do dogs like to eat?");
      await page.click("#send");
      await page.waitForFunction(
        () => document.querySelector("#status")?.textContent === "ready" && document.querySelectorAll("#messages li").length === 2,
        null,
        { timeout: 20_000 },
      );
      expect(await page.textContent('#messages li[data-role="assistant"]')).toBe("What do dogs like to eat?");

      // A second message needs (and gets) a fresh single-use token.
      await page.fill("#prompt", "And cats?");
      await page.click("#send");
      await page.waitForFunction(
        () => document.querySelector("#status")?.textContent === "ready" && document.querySelectorAll("#messages li").length === 4,
        null,
        { timeout: 20_000 },
      );
      const answers = await page.$$eval('#messages li[data-role="assistant"]', (els) => els.map((e) => e.textContent));
      expect(answers).toEqual(["What do dogs like to eat?", "And cats?"]);
      expect(await page.$("#error")).toBeNull();
      expect(failures).toEqual([]);
    } finally {
      await page.close();
      await controlUpstream(e2e.upstreamUrl, { reset: true });
    }
  });

  it("the seed's own ChatPage (AI SDK 4's useChat from ai/react) holds a two-turn conversation", async () => {
    await controlUpstream(e2e.upstreamUrl, { echo: true, tokenDelayMs: 5 });
    const v4 = await serveCustomerSite({
      entry: "pages/chat-page-v4.tsx",
      apiBase: e2e.baseUrl,
      key: e2e.key,
      config: { chatId: e2e.chatId, noVarsId: e2e.noVarsId },
      alias: { "ai/react": "ai-v4/react" },
    });
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("console", (m) => m.type() === "error" && failures.push(m.text()));
    const turns = () => page.$$eval("#root > div", (els) => els.map((e) => e.textContent));
    try {
      await page.goto(v4.url);
      await page.fill('input[name="prompt"]', "What do dogs like to eat?");
      await page.click('button[type="submit"]');
      await page.waitForFunction(() => document.querySelectorAll("#root > div")[1]?.textContent === "AI: What do dogs like to eat?", null, {
        timeout: 20_000,
      });
      await page.fill('input[name="prompt"]', "And cats?");
      await page.click('button[type="submit"]');
      await page.waitForFunction(() => document.querySelectorAll("#root > div")[3]?.textContent === "AI: And cats?", null, {
        timeout: 20_000,
      });
      expect(await turns()).toEqual([
        "User: What do dogs like to eat?",
        "AI: What do dogs like to eat?",
        "User: And cats?",
        "AI: And cats?",
      ]);
      expect(failures).toEqual([]);
    } finally {
      await page.close();
      await v4.close();
      await controlUpstream(e2e.upstreamUrl, { reset: true });
    }
  });
});
