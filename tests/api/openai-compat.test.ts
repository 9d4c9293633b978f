import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { createApiKey } from "@/lib/auth/api-keys";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { createFixture, createVersionedFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { openaiClient } from "../support/openai-compat";
import { apiRequest, BASE, dispatch } from "../support/routes";
import { upstream } from "../setup";

// The OpenAI-compatible surface through the official `openai` SDK itself, its fetch pointed at the
// route modules (no server): what the SDK parses, raises and accumulates is what users get.
// tests/e2e/openai-sdk.test.ts repeats the essentials against `next start`, with the Python SDK too.

const client = openaiClient;

afterEach(async () => (await upstream()).reset());

describe("POST /api/v1/openai/chat/completions with the openai SDK", () => {
  it("runs the published workflow with extra-body variables: a chat.completion whose id is the run, charged exactly, recorded as source openai", async () => {
    const f = await createFixture({ credits: 1000, template: "Write {{story}}" });
    const completion = await client(f.key).chat.completions.create({
      model: f.workflowId,
      messages: [],
      // @ts-expect-error variables is Flowgate's extra body field
      variables: { story: "a story about a dog named charlie" },
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe(f.workflowId);
    expect(completion.choices[0]!.message).toMatchObject({ role: "assistant", content: "Write a story about a dog named charlie" });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: completion.id });
    // The usage is the run's, as recorded and charged (the offline model: 1 credit per token).
    const total = rec!.inputTokens + rec!.outputTokens;
    expect(rec!.inputTokens).toBeGreaterThan(0);
    expect(completion.usage).toEqual({ prompt_tokens: rec!.inputTokens, completion_tokens: rec!.outputTokens, total_tokens: total });
    expect(rec).toMatchObject({
      status: "completed",
      source: "openai",
      protocol: "chat.completions",
      creditsCharged: total,
      inputs: { story: "a story about a dog named charlie" },
    });
    expect((await getOrg(await getDb(), f.orgId))!.creditBalance).toBe(1000 - total);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("the last user message fills the variable left out, earlier turns are the history; with every variable given the conversation follows the prompt", async () => {
    const f = await createFixture({ template: "Answer {{question}} in {{language}}" });
    const c = client(f.key);
    const filled = await c.chat.completions.create({
      model: f.workflowId,
      messages: [
        { role: "system", content: "ignored" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: [{ type: "text", text: "why is the sky blue" }] },
      ],
      // @ts-expect-error extra body
      variables: { language: "French" },
    });
    // The offline model echoes the last user message of the prompt it was sent: the rendered template.
    expect(filled.choices[0]!.message.content).toBe("Answer why is the sky blue in French");
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: filled.id });
    expect(rec!.inputs).toEqual({ question: "why is the sky blue", language: "French" });
    // The history (hi, hello) is sent, and counted, besides the template.
    expect(filled.usage!.prompt_tokens).toBe(
      estimateTokens("hi") + estimateTokens("hello") + estimateTokens("Answer why is the sky blue in French"),
    );

    const after = await c.chat.completions.create({
      model: f.workflowId,
      messages: [{ role: "user", content: "and now in one word" }],
      // @ts-expect-error extra body
      variables: { language: "German", question: "why" },
    });
    expect(after.choices[0]!.message.content).toBe("and now in one word");
  });

  it("streams chat.completion.chunk events with include_usage; the SDK's iterator and its final usage chunk", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const stream = await client(f.key).chat.completions.create({
      model: f.workflowId,
      messages: [{ role: "user", content: "about a dog" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("Write about a dog");
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: chunks[0]!.id });
    expect(chunks.at(-1)!.usage).toEqual({
      prompt_tokens: rec!.inputTokens,
      completion_tokens: rec!.outputTokens,
      total_tokens: rec!.inputTokens + rec!.outputTokens,
    });
    expect(rec).toMatchObject({ status: "completed", source: "openai", protocol: "chat.completions", output: "Write about a dog" });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("model wf_…@3 pins a version, wf_…@staging a label, wf_… the published one", async () => {
    const f = await createVersionedFixture(3, { labels: { staging: 1 } });
    const c = client(f.key);
    const say = async (model: string) =>
      (await c.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] })).choices[0]!.message.content;
    expect(await say(f.workflowId)).toBe("v3 x");
    expect(await say(`${f.workflowId}@2`)).toBe("v2 x");
    expect(await say(`${f.workflowId}@staging`)).toBe("v1 x");
    await expect(say(`${f.workflowId}@9`)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(say(`${f.workflowId}@nolabel`)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("a failure after the first token ends the stream with an error the SDK raises; only what was produced is charged", async () => {
    const fake = await upstream();
    fake.set({ tokens: 10, fault: "error_event_mid_stream", faultAfterTokens: 3 });
    const f = await createFixture({ model: "openai.chat:m" });
    const stream = await client(f.key).chat.completions.create({
      model: f.workflowId,
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    let text = "";
    const read = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })();
    await expect(read).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe("tok0 tok1 tok2 ");
    await expectLedgerEqualsBalance(f.orgId);
  });
});

describe("errors in OpenAI's shape: the SDK's typed errors", () => {
  it("401 AuthenticationError, 404 NotFoundError (unknown and out-of-scope workflows), 400 BadRequestError naming the variable", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const other = await createWorkflow({ orgId: f.orgId, name: "other", template: "t", model: "offline:echo", publish: true });
    const scoped = await createApiKey({ orgId: f.orgId, workflowIds: [f.workflowId] });
    const call = (key: string, model: string, variables?: object) =>
      // @ts-expect-error extra body
      client(key).chat.completions.create({ model, messages: [], variables });

    const auth = await call("sk_live_wrong", f.workflowId).catch((e) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(auth).toMatchObject({ status: 401, code: "invalid_api_key", type: "invalid_request_error" });
    expect(auth.requestID).toMatch(/^req_/);

    for (const model of ["wf_doesnotexist", other.workflow_id]) {
      const e = await call(scoped.key, model).catch((x) => x);
      expect(e, model).toBeInstanceOf(OpenAI.NotFoundError);
      expect(e).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
      expect(e.message).toContain(`The model \`${model}\` does not exist`);
    }

    const bad = await call(f.key, f.workflowId, {}).catch((e) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({
      status: 400,
      param: "story",
      type: "invalid_request_error",
      message: "400 Missing required parameter: story",
    });

    // Audio is refused, not dropped (images: tests/api/openai-compat-images.test.ts).
    const audio = await client(f.key)
      .chat.completions.create({
        model: f.workflowId,
        messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }],
      })
      .catch((e) => e);
    expect(audio).toBeInstanceOf(OpenAI.BadRequestError);
    expect(audio.param).toBe("messages[0].content[0]");
  });

  it("429 RateLimitError with our rate-limit headers; no credits is 429 insufficient_quota, not retried", async () => {
    const f = await createFixture({ rateLimitPerMinute: 1 });
    const c = client(f.key);
    await c.chat.completions.create({ model: f.workflowId, messages: [{ role: "user", content: "x" }] });
    const limited = await c.chat.completions.create({ model: f.workflowId, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "requests" });
    expect(limited.headers.get("x-ratelimit-limit")).toBe("1");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);

    const broke = await createFixture({ credits: 0 });
    // With the SDK's default retries: x-should-retry: false makes one request, not three.
    let requests = 0;
    const retrying = new OpenAI({
      apiKey: broke.key,
      baseURL: `${BASE}/api/v1/openai`,
      fetch: (url: string | URL | Request, init?: RequestInit) => (requests++, dispatch(new Request(url, init))),
    });
    const quota = await retrying.chat.completions
      .create({ model: broke.workflowId, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota).toMatchObject({ status: 429, code: "insufficient_quota", type: "insufficient_quota" });
    expect(quota.message).toContain("No credits remaining");
    expect(requests).toBe(1);
    await expectLedgerEqualsBalance(broke.orgId);
  });

  it("the native API's error bodies are unchanged", async () => {
    const f = await createFixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: {} });
    expect(await res.json()).toMatchObject({ success: false, error: "Missing required parameter: story", code: "invalid_request" });
  });
});

describe("GET /api/v1/openai/models", () => {
  it("lists the published workflows the key may run, as model objects", async () => {
    const f = await createFixture();
    const draft = await createWorkflow({ orgId: f.orgId, name: "draft only", template: "t", model: "offline:echo", publish: false });
    const second = await createWorkflow({ orgId: f.orgId, name: "second", template: "t", model: "offline:echo", publish: true });
    const all = (await client(f.key).models.list()).data;
    expect(all.map((m) => m.id).sort()).toEqual([f.workflowId, second.workflow_id].sort());
    expect(all.find((m) => m.id === f.workflowId)).toMatchObject({ object: "model", owned_by: f.orgId, name: "Test workflow", version: 1 });
    expect(all.map((m) => m.id)).not.toContain(draft.workflow_id);
    const scoped = await createApiKey({ orgId: f.orgId, workflowIds: [second.workflow_id] });
    expect((await client(scoped.key).models.list()).data.map((m) => m.id)).toEqual([second.workflow_id]);
  });
});

describe("POST /api/v1/openai/responses with the openai SDK", () => {
  it("prompt {id, version, variables}: a Responses object with output_text and usage", async () => {
    const f = await createVersionedFixture(2, { labels: { staging: 1 } });
    const r = await client(f.key).responses.create({ prompt: { id: f.workflowId, variables: { story: "a dog" } } });
    expect(r).toMatchObject({ object: "response", status: "completed", model: f.workflowId });
    expect(r.output_text).toBe("v2 a dog");
    expect(r.usage!.input_tokens).toBe(estimateTokens("v2 a dog"));
    expect(r.usage!.output_tokens).toBeGreaterThan(0);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    const pinned = await client(f.key).responses.create({ prompt: { id: f.workflowId, version: "1", variables: { story: "a dog" } } });
    expect(pinned.output_text).toBe("v1 a dog");
    const labelled = await client(f.key).responses.create({
      prompt: { id: f.workflowId, version: "staging", variables: { story: { type: "input_text", text: "a cat" } } },
    });
    expect(labelled.output_text).toBe("v1 a cat");
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: r.id });
    expect(rec).toMatchObject({ source: "openai", protocol: "responses", status: "completed" });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("streams the Responses events: on('response.output_text.delta'), finalResponse(), sequence numbers from 0; input fills the variable; user attributes the run", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const stream = client(f.key).responses.stream({ prompt: { id: f.workflowId }, input: "about a dog", user: "alice" });
    const deltas: string[] = [];
    const types: string[] = [];
    const seqs: number[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    stream.on("event", (e) => (types.push(e.type), seqs.push(e.sequence_number)));
    const final = await stream.finalResponse();
    expect(deltas.join("")).toBe("Write about a dog");
    expect(final.output_text).toBe("Write about a dog");
    expect(final.status).toBe("completed");
    expect(final.usage).toMatchObject({
      input_tokens: estimateTokens("Write about a dog"),
      output_tokens: deltas.length,
      total_tokens: estimateTokens("Write about a dog") + deltas.length,
    });
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...deltas.map(() => "response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(seqs).toEqual(types.map((_, i) => i));
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: final.id });
    expect(rec).toMatchObject({ source: "openai", endUser: "alice", output: "Write about a dog" });
  });

  it("a run that fails after the first token streams response.failed", async () => {
    const fake = await upstream();
    fake.set({ tokens: 10, fault: "error_event_mid_stream", faultAfterTokens: 3 });
    const f = await createFixture({ model: "openai.chat:m" });
    const events = await client(f.key).responses.create({ prompt: { id: f.workflowId, variables: { story: "x" } }, stream: true });
    const types: string[] = [];
    let failed: OpenAI.Responses.Response | undefined;
    for await (const e of events) {
      types.push(e.type);
      if (e.type === "response.failed") failed = e.response;
    }
    expect(types.at(-1)).toBe("response.failed");
    expect(failed).toMatchObject({ status: "failed", error: { code: "server_error" } });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("a single-use stream token works as the apiKey, once, and keeps the end user it was minted for", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const minted = await (await apiRequest(`/api/v1/token?ttl=60&user=bob`, { key: f.key })).json();
    const c = client(minted.token);
    const stream = c.responses.stream({ prompt: { id: f.workflowId, variables: { story: "x" } }, user: "mallory" });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Write x");
    expect((await getRun(await getDb(), { orgId: f.orgId, runId: final.id }))!.endUser).toBe("bob");
    const again = await c.responses.create({ prompt: { id: f.workflowId, variables: { story: "x" } } }).catch((e) => e);
    expect(again).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe("@ai-sdk/openai's createOpenAI({ baseURL }) on a workflow id", () => {
  const provider = (apiKey: string) =>
    createOpenAI({
      apiKey,
      baseURL: `${BASE}/api/v1/openai`,
      fetch: (url: string | URL | Request, init?: RequestInit) => dispatch(new Request(url, init)),
    });

  it("generateText and streamText through /chat/completions and /responses", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const p = provider(f.key);
    for (const model of [p.chat(f.workflowId), p.responses(f.workflowId)]) {
      const gen = await generateText({ model, prompt: "about a dog", maxRetries: 0 });
      expect(gen.text, model.modelId).toBe("Write about a dog");
      // The offline model streams pieces of at most 4 characters, one token each.
      expect(gen.usage.outputTokens).toBeGreaterThanOrEqual(Math.ceil("Write about a dog".length / 4));
      const streamed = streamText({ model, prompt: "about a cat", maxRetries: 0 });
      let text = "";
      for await (const d of streamed.textStream) text += d;
      expect(text).toBe("Write about a cat");
      const usage = await streamed.usage;
      expect(usage.inputTokens).toBe(estimateTokens("Write about a cat"));
      expect(usage.totalTokens).toBe(usage.inputTokens! + usage.outputTokens!);
    }
    await expectLedgerEqualsBalance(f.orgId);
  });
});
