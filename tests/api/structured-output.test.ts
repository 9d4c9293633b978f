import { Chat } from "@ai-sdk/react";
import { DefaultChatTransport, parsePartialJson, type UIMessage } from "ai";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { publishVersion } from "@/lib/workflows/publish-version";
import { draftPatch } from "@/lib/workflows/schemas";
import { restoreVersionIntoDraft, updateDraft } from "@/lib/workflows/update-draft";
import { createFixture } from "../support/fixtures";
import { REVIEW_ANSWER, REVIEW_SCHEMA } from "../support/openai-compat";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// Structured output: a workflow's output JSON Schema is asked of the provider in its own wire
// format; /run returns the parsed `output`, an answer that does not match fails the run
// (output_invalid, charged what the provider billed), and the stream carries the JSON text that
// useObject parses into partial objects, with the validated object in the final event.

const SCHEMA = REVIEW_SCHEMA;
const ANSWER = REVIEW_ANSWER;

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

async function run(model: string, text: string) {
  const fake = await upstream();
  fake.set({ text });
  const f = await createFixture({ model, template: "Review {{story}}", outputSchema: SCHEMA });
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "a dog" } });
  return { f, res, body: await res.json(), sent: fake.requests.at(-1)!.body };
}

describe("structured output", () => {
  it("chat completions: response_format json_schema; /run returns result (the JSON text) and output (parsed)", async () => {
    const { res, body, sent } = await run("openai.chat:gpt-test", JSON.stringify(ANSWER, null, 1));
    expect(res.status).toBe(200);
    expect(sent.response_format).toEqual({ type: "json_schema", json_schema: { name: "output", schema: SCHEMA, strict: true } });
    expect(body.output).toEqual(ANSWER);
    expect(JSON.parse(body.result)).toEqual(ANSWER);
  });

  it("Responses API: text.format json_schema", async () => {
    const { body, sent } = await run("openai.responses:gpt-test", JSON.stringify(ANSWER, null, 1));
    expect(sent.text.format).toEqual({ type: "json_schema", name: "output", schema: SCHEMA, strict: true });
    expect(body.output).toEqual(ANSWER);
  });

  it.each([
    ['{"title": "x", "tags": [], "stars": 9}', "stars"],
    ['{"title": 1, "tags": [], "stars": 2}', "title"],
    ["Sure! Here is a review.", "not JSON"],
  ])("an answer that does not match (%s) fails the run: output_invalid, charged what the provider billed", async (text, why) => {
    const { f, res, body } = await run("openai.chat:gpt-test", text);
    expect(res.status).toBe(500);
    expect(body).toMatchObject({
      success: false,
      error: "Failed to run workflow",
      code: "internal_server_error",
      reason: "output_invalid",
    });
    const row = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    expect(row).toMatchObject({ status: "failed", errorCode: "output_invalid", output: text });
    expect(row.errorMessage).toContain(why);
    expect(row.creditsCharged).toBe(row.totalTokens);
    expect(row.outputTokens).toBeGreaterThan(0);
    expect((await getOrg(await getDb(), f.orgId))!.creditBalance).toBe(100_000 - row.creditsCharged);
  });

  it("the offline model answers with an object that matches the schema", async () => {
    const f = await createFixture({ template: "Review {{story}}", outputSchema: SCHEMA });
    const body = await (await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } })).json();
    expect(body.output).toEqual({ title: "example", tags: ["example"], stars: 1 });
  });

  it("the stream: the JSON text as useObject reads it (partial objects, then the whole), the validated object in SSE done and UI metadata", async () => {
    const fake = await upstream();
    fake.set({ text: JSON.stringify(ANSWER, null, 1), tokenDelayMs: 15 });
    const f = await createFixture({ model: "openai.chat:gpt-test", template: "{{story}}", outputSchema: SCHEMA });
    const url = `${server.url}/api/v1/run/${f.workflowId}/stream`;
    const auth = { authorization: `Bearer ${f.key}`, "content-type": "application/json" };

    // useObject's own loop: POST the input, accumulate the text, parsePartialJson after each chunk.
    const res = await fetch(url, { method: "POST", headers: auth, body: JSON.stringify({ story: "a dog" }) });
    const partials: unknown[] = [];
    let text = "";
    await res.body!.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        async write(chunk) {
          text += chunk;
          const { value } = await parsePartialJson(text);
          if (value !== undefined && JSON.stringify(value) !== JSON.stringify(partials.at(-1))) partials.push(value);
        },
      }),
    );
    expect(partials.at(-1)).toEqual(ANSWER);
    expect(partials.some((p) => JSON.stringify(p) !== JSON.stringify(ANSWER) && typeof p === "object")).toBe(true);

    const sse = await fetch(url, {
      method: "POST",
      headers: { ...auth, accept: "text/event-stream" },
      body: JSON.stringify({ story: "a dog" }),
    });
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    parser.feed(await sse.text());
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "completed", output: ANSWER });

    const chat = new Chat<UIMessage<{ output?: unknown }>>({
      transport: new DefaultChatTransport({ api: url, headers: { authorization: `Bearer ${f.key}` } }),
    });
    await chat.sendMessage({ text: "a dog" });
    expect(chat.messages.at(-1)!.metadata!.output).toEqual(ANSWER);
  });

  it("the draft takes a schema (refusing a bad one), publishing freezes it into the version, restoring brings it back", async () => {
    const f = await createFixture({ template: "{{x}}" });
    // (updateDraft and the dashboard's save action parse their patch with draftPatch)
    expect(draftPatch.safeParse({ outputSchema: { type: "array" } }).error?.issues[0]?.message).toBe(
      'must describe an object ("type": "object" at the root)',
    );
    await updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { outputSchema: SCHEMA } });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const described = async () => (await (await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: f.key })).json()).output_schema;
    expect(await described()).toEqual(SCHEMA);
    await updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { outputSchema: null } });
    await restoreVersionIntoDraft({ orgId: f.orgId, workflowId: f.workflowId, version: 2 });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect(await described()).toEqual(SCHEMA);
    const run = await (
      await apiRequest(`/api/v1/run/${f.workflowId}?version=1`, { method: "POST", key: f.key, json: { x: "free" } })
    ).json();
    expect(run).toMatchObject({ result: "free" });
    expect(run.output).toBeUndefined();
  });

  it("a schema must describe an object and be checkable; GET /workflows/:id shows it; admin CLI --output-schema", async () => {
    await expect(createFixture({ template: "{{x}}", outputSchema: { type: "string" } })).rejects.toThrow(/must describe an object/);
    await expect(
      createFixture({ template: "{{x}}", outputSchema: { type: "object", properties: { a: { type: "frob" } } } }),
    ).rejects.toThrow(/Unsupported type: frob/);
    const f = await createFixture({ template: "{{x}}", outputSchema: SCHEMA });
    expect((await (await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: f.key })).json()).output_schema).toEqual(SCHEMA);

    const org = await runAdminCommand(["org", "create", "--name", "CLI"]);
    const wf = await runAdminCommand([
      "workflow",
      "create",
      "--org",
      String(org.org_id),
      "--name",
      "S",
      "--template",
      "{{x}}",
      "--output-schema",
      JSON.stringify(SCHEMA),
      "--publish",
    ]);
    const key = await runAdminCommand(["key", "create", "--org", String(org.org_id)]);
    expect((await (await apiRequest(`/api/v1/workflows/${wf.workflow_id}`, { key: String(key.key) })).json()).output_schema).toEqual(
      SCHEMA,
    );
    await expect(
      runAdminCommand([
        "workflow",
        "create",
        "--org",
        String(org.org_id),
        "--name",
        "S",
        "--template",
        "{{x}}",
        "--output-schema",
        "{nope",
      ]),
    ).rejects.toThrow("--output-schema must be JSON");
  });
});
