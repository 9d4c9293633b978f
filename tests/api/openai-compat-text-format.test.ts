import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { openaiClient, REVIEW_ANSWER, REVIEW_SCHEMA } from "../support/openai-compat";
import { upstream } from "../setup";

// A workflow with an output schema on /responses, through the official `openai` SDK: its JSON is
// the output text; a caller's `text.format` json_schema is honoured when it is the workflow's own
// schema (the SDK's responses.parse() then parses it) and a 400 naming the difference otherwise.

const client = openaiClient;
const SCHEMA = REVIEW_SCHEMA;
const ANSWER = REVIEW_ANSWER;

afterEach(async () => (await upstream()).reset());

async function structured() {
  (await upstream()).set({ text: JSON.stringify(ANSWER) });
  return createFixture({ model: "openai.responses:gpt-test", template: "Review {{story}}", outputSchema: SCHEMA });
}

describe("/responses for a workflow with an output schema", () => {
  it("returns the JSON as the output text, asked of the provider as the workflow's json_schema; the response's text.format says so", async () => {
    const f = await structured();
    const r = await client(f.key).responses.create({ prompt: { id: f.workflowId, variables: { story: "a dog" } } });
    expect(JSON.parse(r.output_text)).toEqual(ANSWER);
    expect((await upstream()).requests.at(-1)!.body.text.format).toEqual({
      type: "json_schema",
      name: "output",
      schema: SCHEMA,
      strict: true,
    });
    expect(r.text!.format).toEqual({ type: "json_schema", name: "output", schema: SCHEMA, strict: true });
  });

  it("honours a text.format json_schema equal to the workflow's schema (key order aside): responses.parse() gives output_parsed, streaming too", async () => {
    const f = await structured();
    const { required, additionalProperties, properties, type } = SCHEMA;
    const format = {
      type: "json_schema" as const,
      name: "review",
      strict: true,
      schema: { required, additionalProperties, properties, type },
    };
    const r = await client(f.key).responses.parse({ prompt: { id: f.workflowId, variables: { story: "a dog" } }, text: { format } });
    expect(r.output_parsed).toEqual(ANSWER);
    expect(r.text!.format).toEqual(format);
    const streamed = await client(f.key)
      .responses.stream({ prompt: { id: f.workflowId, variables: { story: "a dog" } }, text: { format } })
      .finalResponse();
    expect(streamed.output_parsed).toEqual(ANSWER);
  });

  it.each([
    [
      "a different schema",
      {
        type: "json_schema",
        name: "review",
        schema: { ...SCHEMA, properties: { ...SCHEMA.properties, stars: { type: "integer", minimum: 1, maximum: 10 } } },
      },
      "text.format.schema",
      "properties.stars.maximum: expected 5, got 10",
    ],
    [
      "a schema missing a property",
      {
        type: "json_schema",
        name: "review",
        schema: { ...SCHEMA, properties: { title: { type: "string" }, stars: SCHEMA.properties.stars } },
      },
      "text.format.schema",
      "properties.tags: expected an object, got nothing",
    ],
    ["an unknown format type", { type: "yaml" }, "text.format.type", "must be text, json_schema or json_object"],
  ])("%s is a 400 BadRequestError naming the mismatch, nothing sent upstream", async (_, format, param, why) => {
    const f = await structured();
    const before = (await upstream()).requests.length;
    const e = await client(f.key)
      .responses.create({
        prompt: { id: f.workflowId, variables: { story: "a dog" } },
        text: { format } as OpenAI.Responses.ResponseTextConfig,
      })
      .catch((x) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe(param);
    expect(e.message).toContain(why);
    expect((await upstream()).requests.length).toBe(before);
  });

  it("a json_schema format for a free-text workflow is a 400; plain text is fine", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const format = { type: "json_schema" as const, name: "review", schema: SCHEMA };
    const e = await client(f.key)
      .responses.create({ prompt: { id: f.workflowId, variables: { story: "x" } }, text: { format } })
      .catch((x) => x);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e).toMatchObject({ param: "text.format" });
    expect(e.message).toContain("this workflow has no output schema");
    const ok = await client(f.key).responses.create({
      prompt: { id: f.workflowId, variables: { story: "x" } },
      text: { format: { type: "text" } },
    });
    expect(ok.output_text).toBe("Write x");
    expect(ok.text!.format).toEqual({ type: "text" });
  });
});
