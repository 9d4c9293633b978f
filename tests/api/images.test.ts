import { callChatApi, type UIMessage as V4Message } from "@ai-sdk/ui-utils-v1";
import { Chat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { resolveInputs } from "@/lib/workflows/inputs";
import { MAX_IMAGE_DATA_URL_CHARS } from "@/lib/workflows/variable-types";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// Image variables and chat attachments reach the model as image parts, in each OpenAI wire
// format, at the placeholder's position; we pass URLs on and never fetch them.

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const DATA_URL = `data:image/png;base64,${PNG}`;
// Nothing listens there: a run that fetched it would fail.
const HTTPS_URL = "https://127.0.0.1:9/cat.jpg";
const PHOTO = [{ name: "photo", type: "image" as const }];

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

async function runWith(model: string, photo: string) {
  const fake = await upstream();
  fake.set({ text: "A cat." });
  const f = await createFixture({ model, template: "Describe {{photo}} in {{style}}.", variables: PHOTO });
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { photo, style: "verse" } });
  expect(res.status).toBe(200);
  const body = await res.json();
  return { f, body, sent: fake.requests.at(-1)!.body };
}

describe("image variables", () => {
  it("chat completions: the user message gets an image_url part where {{photo}} stands (URL and data URL)", async () => {
    for (const photo of [HTTPS_URL, DATA_URL]) {
      const { sent } = await runWith("openai.chat:gpt-test", photo);
      expect(sent.messages.at(-1)).toEqual({
        role: "user",
        content: [
          { type: "text", text: "Describe " },
          { type: "image_url", image_url: { url: photo } },
          { type: "text", text: " in verse." },
        ],
      });
    }
  });

  it("Responses API: an input_image part where {{photo}} stands (URL and data URL)", async () => {
    for (const photo of [HTTPS_URL, DATA_URL]) {
      const { sent } = await runWith("openai.responses:gpt-test", photo);
      expect(sent.input.at(-1)).toEqual({
        role: "user",
        content: [
          { type: "input_text", text: "Describe " },
          { type: "input_image", image_url: photo },
          { type: "input_text", text: " in verse." },
        ],
      });
    }
  });

  it("the run stores the image's URL, a data URL only as its media type and size; credits follow the provider's usage", async () => {
    const { f, body } = await runWith("openai.chat:gpt-test", DATA_URL);
    const run = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    expect(run.inputs).toEqual({ photo: `data:image/png;base64,… (${PNG.length} characters)`, style: "verse" });
    expect(body.credits_charged).toBe(body.usage.total_tokens);
  });

  it("the offline model says it received an image, with its media type", async () => {
    const f = await createFixture({ template: "Describe {{photo}} please", variables: PHOTO });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { photo: DATA_URL } });
    expect((await res.json()).result).toBe("Describe [received an image: image/png] please");
  });

  it.each([
    ["http://example.com/cat.png", "Invalid parameter: photo must be an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL"],
    ["data:image/svg+xml;base64,PHN2Zz4=", "Invalid parameter: photo must be an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL"],
    ["data:image/png;base64,not base64!", "Invalid parameter: photo must be an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL"],
    ["cat.png", "Invalid parameter: photo must be an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL"],
    [42, "Invalid parameter: photo must be an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL, not a number"],
  ])("%j → 400", async (photo, message) => {
    const f = await createFixture({ template: "{{photo}}", variables: PHOTO });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { photo } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(message);
  });

  it("an over-long data URL is refused on its size, before its content is looked at", () => {
    const huge = `data:image/png;base64,${"A".repeat(MAX_IMAGE_DATA_URL_CHARS)}`;
    expect(() => resolveInputs(PHOTO, { photo: huge })).toThrowError(
      new AppError("invalid_request", `Invalid parameter: photo must be a data: URL of at most ${MAX_IMAGE_DATA_URL_CHARS} characters`),
    );
  });
});

describe("chat attachments", () => {
  it("useChat (AI SDK 7) file parts reach the model as image parts of that user message", async () => {
    const fake = await upstream();
    fake.set({ text: "Nice cat." });
    const f = await createFixture({ model: "openai.chat:gpt-test", template: "{{question}}" });
    const chat = new Chat<UIMessage>({
      transport: new DefaultChatTransport({
        api: `${server.url}/api/v1/run/${f.workflowId}/stream`,
        headers: { authorization: `Bearer ${f.key}` },
      }),
    });
    await chat.sendMessage({ text: "What is this?", files: [{ type: "file", mediaType: "image/png", url: DATA_URL }] });
    expect(chat.status).toBe("ready");
    expect(fake.requests.at(-1)!.body.messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "text", text: "What is this?" },
        { type: "image_url", image_url: { url: DATA_URL } },
      ],
    });
  });

  it("AI SDK 4 experimental_attachments reach the model too", async () => {
    const fake = await upstream();
    fake.set({ text: "Nice cat." });
    const f = await createFixture({ model: "openai.responses:gpt-test", template: "{{question}}" });
    const message = {
      id: "u1",
      role: "user" as const,
      content: "And this?",
      parts: [{ type: "text" as const, text: "And this?" }],
      experimental_attachments: [{ contentType: "image/jpeg", url: HTTPS_URL }],
    };
    let error: unknown;
    await callChatApi({
      api: `${server.url}/api/v1/run/${f.workflowId}/stream`,
      streamProtocol: "data",
      credentials: undefined,
      headers: { authorization: `Bearer ${f.key}` },
      abortController: undefined,
      onResponse: undefined,
      onToolCall: undefined,
      fetch: undefined,
      onFinish: undefined,
      body: { id: "c", messages: [message] },
      restoreMessagesOnFailure: () => {},
      onUpdate: () => {},
      generateId: () => "x",
      lastMessage: message as V4Message,
    }).catch((e) => (error = e));
    expect(error).toBeUndefined();
    expect(fake.requests.at(-1)!.body.input.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "input_text", text: "And this?" },
        { type: "input_image", image_url: HTTPS_URL },
      ],
    });
  });

  it("a file part that is not an accepted image is a 400", async () => {
    const f = await createFixture({ template: "{{question}}" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      key: f.key,
      json: {
        trigger: "submit-message",
        messages: [
          {
            id: "m",
            role: "user",
            parts: [
              { type: "text", text: "x" },
              { type: "file", mediaType: "application/pdf", url: "https://example.com/a.pdf" },
            ],
          },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe(
      "messages[0] file: must be an image (image/png, image/jpeg, image/webp or image/gif) at an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL",
    );
  });
});
