import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { controlUpstream, launchChromium, serveCustomerSite } from "./support";

// Client tools (issue 31) as users meet them, against the production build: useChat (AI SDK 7, and
// AI SDK 4 with maxSteps) in Chromium running the tool in the page, and the openai Python SDK.
// The model is the upstream stand-in, scripted to call get_weather until the conversation holds
// its result, then to answer quoting it.
const e2e = inject("e2e");
const SHOTS = process.env.TOOLS_SHOTS_DIR ?? path.resolve(import.meta.dirname, "../../../toolsclient-shots");
const script = (city: string) => ({ toolScript: [{ name: "get_weather", arguments: { city } }], tokenDelayMs: 5 });
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await controlUpstream(e2e.upstreamUrl, { reset: true });
});

describe("useChat with a client tool in Chromium", () => {
  it("AI SDK 7: onToolCall → addToolOutput → automatic resubmit → the final text, in one assistant message", async () => {
    await controlUpstream(e2e.upstreamUrl, script("Paris"));
    const site = await serveCustomerSite({
      entry: "pages/tool-chat.tsx",
      apiBase: e2e.baseUrl,
      key: e2e.key,
      config: { toolsId: e2e.toolsId },
    });
    const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    const failures: string[] = [];
    page.on("console", (m) => m.type() === "error" && failures.push(m.text()));
    try {
      await page.goto(site.url);
      await page.fill("#prompt", "What is the weather in Paris?");
      await page.click("#send");
      await page.waitForFunction(
        () =>
          document.querySelector("#status")?.textContent === "ready" &&
          !!document.querySelector('#messages li[data-role="assistant"] .text'),
        null,
        { timeout: 30_000 },
      );
      expect(await page.$$eval("#messages li", (els) => els.map((e) => e.getAttribute("data-role")))).toEqual(["user", "assistant"]);
      expect(await page.textContent(".tool")).toContain('get_weather({"city":"Paris"}) · output-available');
      expect(await page.textContent(".tool-output")).toBe('→ {"city":"Paris","sky":"sunny","celsius":21}');
      expect(await page.textContent('#messages li[data-role="assistant"] .text')).toBe(
        'Tool results: {"city":"Paris","sky":"sunny","celsius":21}',
      );
      expect(await page.$("#error")).toBeNull();
      expect(failures).toEqual([]);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, "usechat-client-tool.png") });
    } finally {
      await page.close();
      await site.close();
    }
  });

  it("AI SDK 4: useChat with maxSteps runs onToolCall and sends the result back on its own", async () => {
    await controlUpstream(e2e.upstreamUrl, script("Oslo"));
    const site = await serveCustomerSite({
      entry: "pages/tool-chat-v4.tsx",
      apiBase: e2e.baseUrl,
      key: e2e.key,
      config: { toolsId: e2e.toolsId },
      alias: { "ai/react": "ai-v4/react" },
    });
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("console", (m) => m.type() === "error" && failures.push(m.text()));
    try {
      await page.goto(site.url);
      await page.fill('input[name="prompt"]', "Weather in Oslo?");
      await page.click('button[type="submit"]');
      // The answer streams a token every 5 ms: wait for the stream to end, not for its first words
      // (CI once read "Tool results: cloudy, " mid-stream).
      await page.waitForFunction(
        () =>
          document.querySelector("#status")?.textContent === "ready" &&
          (document.querySelectorAll(".msg")[1]?.textContent ?? "").includes("Tool results"),
        null,
        { timeout: 30_000 },
      );
      expect(await page.$$eval(".msg", (els) => els.map((e) => e.textContent))).toEqual([
        "User: Weather in Oslo?",
        "AI: [get_weather result] Tool results: cloudy, 15C",
      ]);
      expect(failures).toEqual([]);
    } finally {
      await page.close();
      await site.close();
    }
  });
});

describe("openai (Python) against next start", () => {
  it("a tool call round trip, streamed and not, for chat completions and responses", async () => {
    await controlUpstream(e2e.upstreamUrl, script("Paris"));
    const { stdout } = await promisify(execFile)("python3", [path.join(import.meta.dirname, "openai_tools_check.py")], {
      env: { ...process.env, FLOWGATE_URL: e2e.baseUrl, FLOWGATE_KEY: e2e.key, TOOLS_ID: e2e.toolsId },
    });
    const out = JSON.parse(stdout);
    expect(out.chat).toEqual({
      finish_reason: "tool_calls",
      content: null,
      call: { name: "get_weather", arguments: { city: "Paris" } },
      answer: "Tool results: sunny, 21C",
      answer_finish_reason: "stop",
    });
    expect(out.chat_stream).toEqual({
      finish_reason: "tool_calls",
      calls: 1,
      name: "get_weather",
      arguments: { city: "Paris" },
      answer: "Tool results: snow, -3C",
    });
    expect(out.responses).toEqual({
      types: ["function_call"],
      name: "get_weather",
      arguments: { city: "Paris" },
      answer: "Tool results: warm, 28C",
    });
    expect(out.responses_stream).toMatchObject({ name: "get_weather", arguments: { city: "Paris" }, answer: "Tool results: mild, 18C" });
    expect(out.responses_stream.events).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      ...out.responses_stream.events.filter((e: string) => e === "response.function_call_arguments.delta"),
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(out.responses_stream.events.filter((e: string) => e === "response.function_call_arguments.delta").length).toBeGreaterThan(0);
  });
});
