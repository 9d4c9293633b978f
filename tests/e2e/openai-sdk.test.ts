import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import OpenAI from "openai";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { describe, expect, inject, it } from "vitest";

// The OpenAI-compatible surface as users meet it: the official SDKs (openai for Node and Python,
// @ai-sdk/openai) against the production build, changing only the base URL and the key.
const e2e = inject("e2e");
const baseURL = `${e2e.baseUrl}/api/v1/openai`;
const client = new OpenAI({ baseURL, apiKey: e2e.key, maxRetries: 0 });
const echo = e2e.offlineId; // "Echo {{story}}" on the offline model
const { versionsId, poorId, poorKey, limitedKey } = e2e.openai;

describe("openai (Node) against next start", () => {
  it("chat completions, streamed and not, with pins and labels", async () => {
    const c = await client.chat.completions.create({
      model: echo,
      messages: [],
      // @ts-expect-error Flowgate's extra body field
      variables: { story: "a dog" },
    });
    expect(c.choices[0]!.message.content).toBe("Echo a dog");
    expect(c.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    const stream = await client.chat.completions.create({
      model: echo,
      messages: [{ role: "user", content: "a cat" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Echo a cat");
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });
    const say = async (model: string) =>
      (await client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] })).choices[0]!.message.content;
    expect([await say(versionsId), await say(`${versionsId}@1`), await say(`${versionsId}@staging`)]).toEqual(["v2 x", "v1 x", "v1 x"]);
  });

  it("responses: prompt {id, version, variables}, the event stream with on('response.output_text.delta') and finalResponse()", async () => {
    const r = await client.responses.create({ prompt: { id: versionsId, version: "1", variables: { story: "a fox" } } });
    expect(r.output_text).toBe("v1 a fox");
    const stream = client.responses.stream({ prompt: { id: echo, variables: { story: "an owl" } } });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas.join("")).toBe("Echo an owl");
    expect(final).toMatchObject({
      status: "completed",
      output_text: "Echo an owl",
      usage: { input_tokens: 3, output_tokens: 3, total_tokens: 6 },
    });
  });

  it("models, and each error class", async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(expect.arrayContaining([echo, versionsId, e2e.storyId]));
    const chat = (c: OpenAI, model: string) => c.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] });
    await expect(chat(new OpenAI({ baseURL, apiKey: "sk_live_wrong", maxRetries: 0 }), echo)).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(chat(client, "wf_doesnotexist")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // @ts-expect-error extra body
    await expect(client.chat.completions.create({ model: echo, messages: [], variables: {} })).rejects.toMatchObject({
      status: 400,
      param: "story",
    });
    await expect(chat(new OpenAI({ baseURL, apiKey: poorKey }), poorId)).rejects.toMatchObject({ status: 429, code: "insufficient_quota" });
    const limited = new OpenAI({ baseURL, apiKey: limitedKey, maxRetries: 0 });
    const e = await chat(limited, echo)
      .then(() => chat(limited, echo))
      .catch((x) => x);
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e.headers.get("x-ratelimit-limit")).toBe("1");
  });
});

describe("@ai-sdk/openai createOpenAI({ baseURL }) against next start", () => {
  it("generateText and streamText on a workflow id", async () => {
    const provider = createOpenAI({ baseURL, apiKey: e2e.key });
    expect((await generateText({ model: provider.chat(echo), prompt: "a dog", maxRetries: 0 })).text).toBe("Echo a dog");
    let text = "";
    for await (const d of streamText({ model: provider(echo), prompt: "a cat", maxRetries: 0 }).textStream) text += d;
    expect(text).toBe("Echo a cat");
  });
});

describe("openai (Python) against next start", () => {
  it("runs tests/e2e/openai_sdk_check.py: every call returns or raises what the Node SDK does", async () => {
    const { stdout } = await promisify(execFile)("python3", [path.join(import.meta.dirname, "openai_sdk_check.py")], {
      env: {
        ...process.env,
        FLOWGATE_URL: e2e.baseUrl,
        FLOWGATE_KEY: e2e.key,
        STORY_ID: echo,
        VERSIONS_ID: versionsId,
        POOR_KEY: poorKey,
        POOR_ID: poorId,
        LIMITED_KEY: limitedKey,
      },
    });
    const out = JSON.parse(stdout);
    // The offline model: input ~4 bytes a token (the shared estimate), output in pieces of at most 4 characters.
    const usage = (text: string) => ({
      prompt_tokens: estimateTokens(text),
      completion_tokens: Math.ceil(text.length / 4),
      total_tokens: estimateTokens(text) + Math.ceil(text.length / 4),
    });
    expect(out.chat).toMatchObject({ content: "Echo a dog", finish_reason: "stop", usage: usage("Echo a dog") });
    expect(out.chat.id).toMatch(/^run_/);
    expect(out.chat_stream).toEqual({ text: "Echo a cat", usage: expect.objectContaining(usage("Echo a cat")) });
    expect(out.pins).toEqual({ published: "v2 x", v1: "v1 x", staging: "v1 x" });
    const fox = usage("v1 a fox");
    expect(out.responses).toMatchObject({
      status: "completed",
      output_text: "v1 a fox",
      usage: { input_tokens: fox.prompt_tokens, output_tokens: fox.completion_tokens, total_tokens: fox.total_tokens },
    });
    expect(out.responses_stream.text).toBe("Echo an owl");
    expect(out.responses_stream.types.at(0)).toBe("response.created");
    expect(out.responses_stream.types.at(-1)).toBe("response.completed");
    expect(out.responses_helper).toEqual({ output_text: "v1 a hen", status: "completed" });
    expect(out.models).toEqual(expect.arrayContaining([echo, versionsId]));
    expect(out.errors).toEqual({
      auth: { class: "AuthenticationError", status: 401, code: "invalid_api_key", param: null, type: "invalid_request_error" },
      not_found: { class: "NotFoundError", status: 404, code: "model_not_found", param: "model", type: "invalid_request_error" },
      bad_request: { class: "BadRequestError", status: 400, code: null, param: "story", type: "invalid_request_error" },
      quota: { class: "RateLimitError", status: 429, code: "insufficient_quota", param: null, type: "insufficient_quota" },
      rate_limit: { class: "RateLimitError", status: 429, code: "rate_limit_exceeded", param: null, type: "requests" },
    });
    expect(out.token).toEqual({ content: "Echo t", reuse: expect.objectContaining({ class: "AuthenticationError", status: 401 }) });
  });
});
