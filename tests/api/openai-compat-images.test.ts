import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { openaiClient } from "../support/openai-compat";
import { upstream } from "../setup";

// Image input on the OpenAI-compatible surface, through the official `openai` SDK: chat
// `image_url` parts and Responses `input_image` parts (in `input`, or filling an image variable in
// `prompt.variables`) reach the provider as its own wire parts, the URL passed on, never fetched.

const client = openaiClient;
const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const PHOTO = [{ name: "photo", type: "image" as const }];

afterEach(async () => (await upstream()).reset());

describe("image input on /api/v1/openai", () => {
  it("chat completions: image_url parts of the last user message reach the chat upstream as image_url parts, after the rendered template", async () => {
    const fake = await upstream();
    fake.set({ text: "A cat on a mat." });
    const f = await createFixture({ model: "openai.chat:gpt-test", template: "Describe {{thing}}" });
    const completion = await client(f.key).chat.completions.create({
      model: f.workflowId,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "this photo" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
            { type: "image_url", image_url: { url: PNG } },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe("A cat on a mat.");
    expect(fake.requests.at(-1)!.body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Describe this photo" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          { type: "image_url", image_url: { url: PNG } },
        ],
      },
    ]);
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: completion.id });
    expect(rec).toMatchObject({ status: "completed", source: "openai", inputs: { thing: "this photo" } });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("Responses: an input_image fills the image variable in place, input_image parts of input follow the prompt", async () => {
    const fake = await upstream();
    fake.set({ text: "Two dogs." });
    const f = await createFixture({ model: "openai.responses:gpt-test", template: "Describe {{photo}} briefly", variables: PHOTO });
    const r = await client(f.key).responses.create({
      prompt: { id: f.workflowId, variables: { photo: { type: "input_image", image_url: "https://example.com/dog.jpg", detail: "auto" } } },
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "and this one" },
            { type: "input_image", image_url: PNG, detail: "high" },
          ],
        },
      ],
    });
    expect(r.output_text).toBe("Two dogs.");
    expect(fake.requests.at(-1)!.body.input).toEqual([
      {
        role: "user",
        content: [
          { type: "input_text", text: "Describe " },
          { type: "input_image", image_url: "https://example.com/dog.jpg" },
          { type: "input_text", text: " briefly" },
        ],
      },
      {
        role: "user",
        content: [
          { type: "input_text", text: "and this one" },
          { type: "input_image", image_url: PNG, detail: "high" },
        ],
      },
    ]);
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: r.id });
    expect(rec).toMatchObject({ status: "completed", inputs: { photo: "https://example.com/dog.jpg" } });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("streams with an image too: the Responses events, the image sent as input_image", async () => {
    const fake = await upstream();
    fake.set({ text: "A red dot." });
    const f = await createFixture({ model: "openai.responses:gpt-test", template: "Describe {{photo}}", variables: PHOTO });
    const final = await client(f.key)
      .responses.stream({ prompt: { id: f.workflowId, variables: { photo: { type: "input_image", image_url: PNG, detail: "auto" } } } })
      .finalResponse();
    expect(final.output_text).toBe("A red dot.");
    expect(fake.requests.at(-1)!.body.input).toEqual([
      {
        role: "user",
        content: [
          { type: "input_text", text: "Describe " },
          { type: "input_image", image_url: PNG },
        ],
      },
    ]);
  });

  it.each([
    [
      "an http: URL",
      { role: "user", content: [{ type: "image_url", image_url: { url: "http://example.com/a.png" } }] },
      "messages[0].content[0]",
    ],
    [
      "a data: URL that is not an image",
      { role: "user", content: [{ type: "image_url", image_url: { url: "data:text/plain;base64,aGk=" } }] },
      "messages[0].content[0]",
    ],
    ["a missing url", { role: "user", content: [{ type: "image_url", image_url: {} }] }, "messages[0].content[0]"],
    [
      "an image in an assistant message",
      { role: "assistant", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
      "messages[0].content[0]",
    ],
    ["a file part", { role: "user", content: [{ type: "file", file: { file_id: "file_1" } }] }, "messages[0].content[0]"],
  ])("chat completions: %s is a 400 BadRequestError naming the part, nothing sent upstream", async (_, message, param) => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:gpt-test", template: "Describe {{thing}}" });
    const before = fake.requests.length;
    const e = await client(f.key)
      // @ts-expect-error deliberately malformed parts
      .chat.completions.create({ model: f.workflowId, messages: [message], variables: { thing: "x" } })
      .catch((x) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe(param);
    expect(e.message).toContain(param);
    expect(fake.requests.length).toBe(before);
  });

  it("Responses: a file_id image, an input_image for a text variable and a bad image variable are 400s naming them", async () => {
    const f = await createFixture({
      model: "openai.responses:gpt-test",
      template: "Describe {{photo}} for {{who}}",
      variables: [...PHOTO, { name: "who" }],
    });
    const create = (body: object) =>
      client(f.key)
        .responses.create(body as OpenAI.Responses.ResponseCreateParamsNonStreaming)
        .catch((e) => e);
    const fileId = await create({
      prompt: { id: f.workflowId, variables: { photo: "https://example.com/a.png", who: "kids" } },
      input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1", detail: "auto" }] }],
    });
    expect(fileId).toBeInstanceOf(OpenAI.BadRequestError);
    expect(fileId.param).toBe("input[0].content[0]");
    const notImage = await create({
      prompt: {
        id: f.workflowId,
        variables: {
          photo: "https://example.com/a.png",
          who: { type: "input_image", image_url: "https://example.com/b.png", detail: "auto" },
        },
      },
    });
    expect(notImage).toBeInstanceOf(OpenAI.BadRequestError);
    expect(notImage.param).toBe("prompt.variables.who");
    expect(notImage.message).toContain("who is not an image variable");
    const badUrl = await create({
      prompt: {
        id: f.workflowId,
        variables: { photo: { type: "input_image", image_url: "ftp://example.com/a.png", detail: "auto" }, who: "kids" },
      },
    });
    expect(badUrl).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badUrl.param).toBe("photo");
  });
});
