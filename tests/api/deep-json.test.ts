import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { runs } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { jsonTooDeep, MAX_JSON_DEPTH } from "@/lib/validation/json-depth";
import { outputSchemaIssue } from "@/lib/workflows/output-schema";
import { exampleOf } from "@/lib/llm/schema-example";
import { updateDraft } from "@/lib/workflows/update-draft";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// A client's JSON nested thousands of levels deep parses fine, but every recursive walk after the
// parse overflowed the stack: the Idempotency-Key body hash, zod's z.json() for a json variable,
// JSON.stringify, the output-schema checks. Refused where the JSON enters, as a 400 naming the
// limit (docs/contract.md: every bad input a clear error, never a 500).

const nested = (levels: number, leaf: unknown = 1): unknown => {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = i % 2 ? { a: v } : [v];
  return v;
};
// As text: JSON.stringify itself overflows at this depth (which is the point).
const DEEP = `${'[{"a":'.repeat(2500)}1${"}]".repeat(2500)}`;
const TOO_DEEP = `Request body is nested too deeply (at most ${MAX_JSON_DEPTH} levels of arrays and objects)`;

/** `body` is sent as JSON; a string value `"$DEEP"` in it stands for the deep value. */
const post = async (path: string, key: string, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body).replaceAll('"$DEEP"', DEEP);
  const res = await apiRequest(path, { method: "POST", key, body: text, headers: { "content-type": "application/json", ...headers } });
  return { status: res.status, body: await res.json() };
};

describe("deeply nested JSON", () => {
  it("jsonTooDeep counts arrays and objects, iteratively", () => {
    expect(jsonTooDeep(1)).toBe(false);
    expect(jsonTooDeep({})).toBe(false);
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH - 1))).toBe(false); // the outer object of a body adds one level
    expect(jsonTooDeep({ x: nested(MAX_JSON_DEPTH - 1) })).toBe(false);
    expect(jsonTooDeep({ x: nested(MAX_JSON_DEPTH) })).toBe(true);
    expect(jsonTooDeep(nested(1_000_000))).toBe(true);
  });

  it("POST /run with an Idempotency-Key: 400, and the key stays free for the real request", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const refused = await post(`/api/v1/run/${f.workflowId}`, f.key, { story: "$DEEP" }, { "idempotency-key": "deep-1" });
    expect(refused).toMatchObject({ status: 400, body: { success: false, code: "invalid_request", error: TOO_DEEP } });
    const ok = await post(`/api/v1/run/${f.workflowId}`, f.key, { story: "a dog" }, { "idempotency-key": "deep-1" });
    expect(ok).toMatchObject({ status: 200, body: { success: true, result: "Write a dog" } });
    // Under the limit a json variable still takes nested values.
    const j = await createFixture({ template: "Data {{data}}", variables: [{ name: "data", type: "json" }] });
    const within = await post(`/api/v1/run/${j.workflowId}`, j.key, { data: nested(MAX_JSON_DEPTH - 1) }, { "idempotency-key": "deep-2" });
    expect(within.status).toBe(200);
    const deep = await post(`/api/v1/run/${j.workflowId}`, j.key, { data: "$DEEP" });
    expect(deep).toMatchObject({ status: 400, body: { code: "invalid_request", error: TOO_DEEP } });
    expect(await (await getDb()).select().from(runs).where(eq(runs.orgId, j.orgId))).toHaveLength(1);
  });

  it("POST /stream, the OpenAI surface (variables, messages, text.format) and the management API: 400 in their envelopes", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    expect(
      await post(`/api/v1/run/${f.workflowId}/stream`, f.key, { story: "x", parameters: "$DEEP" }, { "idempotency-key": "s" }),
    ).toMatchObject({ status: 400, body: { code: "invalid_request", error: TOO_DEEP } });
    const chat = await post("/api/v1/openai/chat/completions", f.key, {
      model: f.workflowId,
      messages: [{ role: "user", content: "$DEEP" }],
      variables: { story: "$DEEP" },
    });
    expect(chat).toMatchObject({ status: 400, body: { error: { message: TOO_DEEP, type: "invalid_request_error" } } });
    const responses = await post("/api/v1/openai/responses", f.key, {
      prompt: { id: f.workflowId, variables: { story: "x" } },
      text: { format: { type: "json_schema", name: "o", schema: "$DEEP" } },
    });
    expect(responses).toMatchObject({ status: 400, body: { error: { message: TOO_DEEP } } });
    const ci = await createApiKey({ orgId: f.orgId, name: "ci", scopes: ["admin"] });
    const created = await post(
      "/api/v1/workflows",
      ci.key,
      { name: "Deep", template: "{{x}}", output_schema: { type: "object", properties: "$DEEP" } },
      { "idempotency-key": "m" },
    );
    expect(created).toMatchObject({ status: 400, body: { code: "invalid_request", error: TOO_DEEP } });
  });

  it("an output schema too deep for its checks is refused wherever it comes from (the dashboard's draft save)", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const schema = { type: "object", properties: nested(5000) };
    expect(outputSchemaIssue(schema)).toBe(`must nest at most ${MAX_JSON_DEPTH} levels of arrays and objects`);
    await expect(updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { outputSchema: schema } })).rejects.toMatchObject({
      code: "invalid_request",
      message: `outputSchema must nest at most ${MAX_JSON_DEPTH} levels of arrays and objects`,
    });
  });

  it("the offline model's example of an output schema is built within a budget (minItems multiply)", async () => {
    // 40³ = 64,000 strings here; an author's 1000³ was a billion (the instance ran out of memory).
    const level = (items: unknown) => ({ type: "array", minItems: 40, items });
    const schema = { type: "object", properties: { a: level(level(level({ type: "string", minLength: 100 }))) }, required: ["a"] };
    const example = exampleOf(schema) as { a: string[][][] };
    expect(example.a.flat(2).length).toBeLessThanOrEqual(10_000);
    const long = exampleOf({
      type: "object",
      properties: { s: { type: "array", minItems: 100, items: { type: "string", minLength: 1e9 } } },
    });
    expect(JSON.stringify(long).length).toBeLessThanOrEqual(1_100_000);
    // A schema an example fits is still answered whole.
    expect(
      exampleOf({ type: "object", properties: { t: { type: "array", minItems: 3, items: { type: "string", minLength: 9 } } } }),
    ).toEqual({ t: ["exampleee", "exampleee", "exampleee"] });
  });
});
