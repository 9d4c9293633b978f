import { Chat } from "@ai-sdk/react";
import { callCompletionApi, DefaultChatTransport, readUIMessageStream, TextStreamChatTransport, type UIMessage } from "ai";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { runs, streamTokens } from "@/db/schema";
import { resetEnvForTests } from "@/lib/env";
import { sha256Hex } from "@/lib/ids";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

const UNAUTHORIZED = { error: "Unauthorized. Please provide a valid secret key.", success: false };
let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

async function mint(key: string, ttl?: number) {
  const res = await fetch(`${server.url}/api/v1/token${ttl === undefined ? "" : `?ttl=${ttl}`}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { res, body: await res.json() };
}
const streamUrl = (wf: string, token: string, extra = "") => `${server.url}/api/v1/run/${wf}/stream?token=${token}${extra}`;

async function waitForRun(orgId: string, runId: string, status: string) {
  const db = await getDb();
  for (let i = 0; i < 100; i++) {
    const r = await getRun(db, { orgId, runId });
    if (r?.status === status) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`run ${runId} never became ${status}`);
}

describe("GET /api/v1/token", () => {
  it("mints a single-use pub_tok_ with the seed's body; only its hash is stored", async () => {
    const f = await createFixture();
    const { res, body } = await mint(f.key, 60);
    expect(res.status).toBe(200);
    expect(body).toEqual({ success: true, token: expect.stringMatching(/^pub_tok_[a-z0-9]{32}$/), ttl: 60 });
    expect(res.headers.get("x-ratelimit-remaining")).toBeTruthy();
    const rows = await (await getDb()).select().from(streamTokens).where(eq(streamTokens.orgId, f.orgId));
    expect(JSON.stringify(rows)).not.toContain(body.token);
    expect(rows[0]!.tokenHash).toBe(sha256Hex(body.token));
    expect((await mint(f.key)).body.ttl).toBe(60);
  });

  it.each(["0", "3601", "abc", "1.5", "-1"])("ttl=%s → 400 invalid_request", async (ttl) => {
    const f = await createFixture();
    const res = await apiRequest(`/api/v1/token?ttl=${ttl}`, { key: f.key });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, code: "invalid_request", error: expect.stringContaining("ttl") });
  });

  it("needs a key", async () => {
    const res = await apiRequest("/api/v1/token");
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject(UNAUTHORIZED);
  });
});

describe("POST /api/v1/run/:id/stream — plain text (seed A)", () => {
  it("streams text/plain progressively: the first chunk arrives while the upstream is still generating", async () => {
    const fake = await upstream();
    fake.set({ tokens: 20, tokenDelayMs: 30 });
    const f = await createFixture({ model: "openai.chat:m" });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ story: "x" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("x-run-id")).toMatch(/^run_/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("x-ratelimit-limit")).toBeTruthy();
    const reader = res.body!.getReader();
    const firstChunk = new TextDecoder().decode((await reader.read()).value);
    expect(firstChunk.length).toBeGreaterThan(0);
    expect(fake.openConnections()).toBe(1); // upstream not finished when we got the first chunk
    let text = firstChunk;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const run = await waitForRun(f.orgId, res.headers.get("x-run-id")!, "completed");
    expect(text).toBe(run.output);
    expect(run.outputTokens).toBe(20);
    expect(run.creditsCharged).toBe(run.totalTokens);
    expect(run.source).toBe("stream");
    expect(run.protocol).toBe("text");
  });

  it("a token is single use: the second request gets the seed's 401, as do unknown and expired tokens", async () => {
    const f = await createFixture();
    const { body: t } = await mint(f.key);
    const post = (tok: string) => fetch(streamUrl(f.workflowId, tok), { method: "POST", body: JSON.stringify({ story: "x" }) });
    expect((await post(t.token)).status).toBe(200);
    const again = await post(t.token);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject(UNAUTHORIZED);
    expect((await post("pub_tok_" + "0".repeat(32))).status).toBe(401);
    expect((await post("sk_nope")).status).toBe(401);
    const { body: expired } = await mint(f.key, 1);
    await (
      await getDb()
    )
      .update(streamTokens)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(streamTokens.tokenHash, sha256Hex(expired.token)));
    const res = await post(expired.token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject(UNAUTHORIZED);
  });

  it("a token is consumed even when the request then fails (e.g. 404), and is bound to its org", async () => {
    const f = await createFixture();
    const other = await createFixture();
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(other.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "Workflow not found", success: false });
    expect((await fetch(streamUrl(f.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) })).status).toBe(401);
  });

  it("server-side callers may use a Bearer key; a request with both is judged by the token", async () => {
    const f = await createFixture();
    const url = `${server.url}/api/v1/run/${f.workflowId}/stream`;
    const ok = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${f.key}` }, body: JSON.stringify({ story: "x" }) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("Write x");
    const both = await fetch(`${url}?token=pub_tok_${"1".repeat(32)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: "x" }),
    });
    expect(both.status).toBe(401);
  });

  it("errors before the first byte are the seed's JSON bodies", async () => {
    const f = await createFixture({ credits: 0 });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({
      error: "No credits remaining. Please add credits to continue using the service.",
      success: false,
      code: "invalid_billing",
    });
    const g = await createFixture();
    const { body: t2 } = await mint(g.key);
    const missing = await fetch(streamUrl(g.workflowId, t2.token), { method: "POST", body: "{}" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "Missing required parameter: story", code: "invalid_request" });
  });

  it("an upstream failure before any token is a 500 JSON body; the run is failed and charged nothing", async () => {
    const fake = await upstream();
    fake.set({ fault: "http_500" });
    const f = await createFixture({ model: "openai.chat:m", credits: 1000 });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toMatchObject({ error: "Failed to run workflow", success: false, code: "internal_server_error", reason: "server_error" });
    const run = await waitForRun(f.orgId, body.run_id, "failed");
    expect(run.creditsCharged).toBe(0);
    expect(await sumLedger(await getDb(), f.orgId)).toBe(1000);
  });

  it("a failure after the first byte aborts the connection instead of ending it cleanly", async () => {
    const fake = await upstream();
    fake.set({ fault: "drop_mid_stream", tokens: 20, faultAfterTokens: 5, tokenDelayMs: 5 });
    const f = await createFixture({ model: "openai.chat:m" });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    const run = await waitForRun(f.orgId, res.headers.get("x-run-id")!, "failed");
    expect(run.outputTokens).toBe(5);
    // The provider had the prompt: its input (estimated, none was reported) is charged too.
    expect(run.inputTokens).toBeGreaterThan(0);
    expect(run.creditsCharged).toBe(run.inputTokens + 5);
  });

  it("a client disconnect aborts the model call; the run is canceled with its partial output and charged that and its input", async () => {
    const fake = await upstream();
    fake.set({ tokens: 200, tokenDelayMs: 20 });
    const f = await createFixture({ model: "openai.chat:m", credits: 10_000 });
    const { body: t } = await mint(f.key);
    const ctrl = new AbortController();
    const closedBefore = fake.closedEarly;
    const res = await fetch(streamUrl(f.workflowId, t.token), {
      method: "POST",
      body: JSON.stringify({ story: "x" }),
      signal: ctrl.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    const abortedAt = Date.now();
    ctrl.abort();
    const run = await waitForRun(f.orgId, res.headers.get("x-run-id")!, "canceled");
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    for (let i = 0; i < 50 && fake.closedEarly === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.closedEarly).toBe(closedBefore + 1);
    expect(run.outputTokens).toBeGreaterThan(0);
    expect(run.outputTokens).toBeLessThan(200);
    expect(run.output.length).toBeGreaterThan(0);
    expect(run.inputTokens).toBeGreaterThan(0); // no usage reported: the input estimate (tests/api/input-charge.test.ts)
    expect(run.creditsCharged).toBe(run.inputTokens + run.outputTokens);
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(10_000 - run.creditsCharged);
    expect(await sumLedger(db, f.orgId)).toBe(10_000 - run.creditsCharged);
  });

  it("a run past the maximum duration is stopped with a timeout error", async () => {
    const fake = await upstream();
    fake.set({ fault: "hang_before_first_token" });
    process.env.RUN_MAX_DURATION_S = "0.5";
    resetEnvForTests();
    try {
      const f = await createFixture({ model: "openai.chat:m" });
      const { body: t } = await mint(f.key);
      const res = await fetch(streamUrl(f.workflowId, t.token), { method: "POST", body: JSON.stringify({ story: "x" }) });
      expect(res.status).toBe(500);
      const body = await res.json();
      expect(body.reason).toBe("timeout");
      expect((await waitForRun(f.orgId, body.run_id, "failed")).errorCode).toBe("timeout");
    } finally {
      delete process.env.RUN_MAX_DURATION_S;
      resetEnvForTests();
    }
  });

  it("answers CORS preflight from any origin", async () => {
    const res = await fetch(`${server.url}/api/v1/run/wf_x/stream?token=t`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
  });
});

function sseEvents(text: string) {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e) });
  parser.feed(text);
  return events;
}

describe("POST /api/v1/run/:id/stream — SSE (seed B)", () => {
  it("sends start, chunk (with ids), done with usage, citations and credits", async () => {
    const fake = await upstream();
    fake.set({ text: "Dogs are loyal friends.", citations: ["https://example.com/dogs"] });
    const f = await createFixture({ model: "openai.responses:gpt-test", webSearch: true });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token), {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json" },
      body: JSON.stringify({ query: "dogs" }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = sseEvents(await res.text());
    expect(events[0]).toMatchObject({ event: "start" });
    expect(JSON.parse(events[0]!.data)).toEqual({ message: "Stream started", run_id: res.headers.get("x-run-id") });
    const chunks = events.filter((e) => e.event === "chunk");
    expect(chunks.map((c) => JSON.parse(c.data).content).join("")).toBe("Dogs are loyal friends.");
    chunks.forEach((c, i) => {
      expect(c.id).toBe(String(i));
      expect(JSON.parse(c.data).index).toBe(i);
    });
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    const d = JSON.parse(done.data);
    expect(d).toMatchObject({ message: "Stream complete", status: "completed", citations: ["https://example.com/dogs"] });
    expect(d.usage.output_tokens).toBe(chunks.length);
    expect(d.credits_charged).toBe(d.usage.total_tokens);
    expect(typeof d.execution_time).toBe("number");
  });

  it("accepts seed B's {query, parameters} and ?protocol=sse; errors after the first byte are `error` events", async () => {
    const fake = await upstream();
    fake.set({ fault: "error_event_mid_stream", tokens: 10, faultAfterTokens: 3 });
    const f = await createFixture({ model: "openai.chat:m", template: "{{query}} in {{tone}}" });
    const { body: t } = await mint(f.key);
    const res = await fetch(streamUrl(f.workflowId, t.token, "&protocol=sse"), {
      method: "POST",
      body: JSON.stringify({ query: "Tell me", parameters: { tone: "verse" } }),
    });
    const events = sseEvents(await res.text());
    expect(JSON.stringify(fake.requests.at(-1)!.body)).toContain("Tell me in verse");
    expect(events.filter((e) => e.event === "chunk")).toHaveLength(3);
    const err = events.find((e) => e.event === "error")!;
    expect(JSON.parse(err.data)).toMatchObject({ error: "Failed to run workflow", code: "STREAM_ERROR" });
    const end = JSON.parse(events.at(-1)!.data);
    expect(end).toMatchObject({ status: "failed", usage: { output_tokens: 3 } });
    expect(end.usage.input_tokens).toBeGreaterThan(0);
    expect(end.credits_charged).toBe(end.usage.total_tokens);
  });
});

describe("POST /api/v1/run/:id/stream — AI SDK clients", () => {
  const freshToken = async (key: string) => (await mint(key)).body.token as string;

  it("DefaultChatTransport + readUIMessageStream, a fresh token per message via prepareSendMessagesRequest", async () => {
    const fake = await upstream();
    fake.set({ echo: true, citations: ["https://example.com/a"] });
    const f = await createFixture({ model: "openai.responses:gpt-test", webSearch: true, template: "{{question}}" });
    let tokensFetched = 0;
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${server.url}/api/v1/run/${f.workflowId}/stream`,
      prepareSendMessagesRequest: async ({ body, id, messages, trigger, messageId, api }) => {
        tokensFetched++;
        return { api: `${api}?token=${await freshToken(f.key)}`, body: { ...body, id, messages, trigger, messageId } };
      },
    });
    const chat = new Chat<UIMessage>({ transport });
    await chat.sendMessage({ text: "hello there" });
    expect(chat.status).toBe("ready");
    const reply = chat.messages.at(-1)!;
    expect(reply.role).toBe("assistant");
    expect(
      reply.parts
        .filter((p) => p.type === "text")
        .map((p) => (p as { text: string }).text)
        .join(""),
    ).toBe("hello there");
    expect(reply.parts.some((p) => p.type === "source-url" && (p as { url: string }).url === "https://example.com/a")).toBe(true);
    const meta = reply.metadata as { run_id: string; usage: { total_tokens: number }; credits_charged: number };
    expect(meta.run_id).toMatch(/^run_/);
    expect(meta.credits_charged).toBe(meta.usage.total_tokens);
    await chat.sendMessage({ text: "second turn" });
    expect(tokensFetched).toBe(2);
    // The earlier turns went to the model as conversation history.
    const sent = JSON.stringify(fake.requests.at(-1)!.body);
    expect(sent).toContain("hello there");
    expect(sent).toContain("second turn");
  });

  it("readUIMessageStream over the raw transport chunks; upstream error → UI error chunk", async () => {
    const fake = await upstream();
    fake.set({ fault: "drop_mid_stream", tokens: 10, faultAfterTokens: 4 });
    const f = await createFixture({ model: "openai.chat:m" });
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${server.url}/api/v1/run/${f.workflowId}/stream?token=${await freshToken(f.key)}`,
    });
    const chunks = await transport.sendMessages({
      trigger: "submit-message",
      chatId: "c1",
      messageId: undefined,
      abortSignal: undefined,
      messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "hi" }] }],
    });
    let errorSeen: unknown;
    let last: UIMessage | undefined;
    for await (const m of readUIMessageStream<UIMessage>({ stream: chunks, onError: (e) => (errorSeen = e) })) last = m;
    expect(String((errorSeen as Error)?.message ?? errorSeen)).toContain("Failed to run workflow");
    expect(last?.parts.some((p) => p.type === "text")).toBe(true);
  });

  it("TextStreamChatTransport with ?protocol=text, and callCompletionApi (useCompletion's engine)", async () => {
    const f = await createFixture({ template: "{{prompt}}" });
    const chat = new Chat<UIMessage>({
      transport: new TextStreamChatTransport({
        api: `${server.url}/api/v1/run/${f.workflowId}/stream?protocol=text&token=${await freshToken(f.key)}`,
      }),
    });
    await chat.sendMessage({ text: "plain text please" });
    expect(chat.messages.at(-1)!.parts.find((p) => p.type === "text")).toMatchObject({ text: "plain text please" });

    let completion = "";
    await callCompletionApi({
      api: `${server.url}/api/v1/run/${f.workflowId}/stream?token=${await freshToken(f.key)}`,
      prompt: "complete me",
      credentials: undefined,
      headers: {},
      body: {},
      streamProtocol: "text",
      setCompletion: (c: string) => (completion = c),
      setLoading: () => {},
      setError: (e: Error | undefined) => {
        if (e) throw e;
      },
      setAbortController: () => {},
      onFinish: undefined,
      onError: undefined,
      fetch: undefined,
    } as Parameters<typeof callCompletionApi>[0]);
    expect(completion).toBe("complete me");
  });
});

describe("stream run records", () => {
  it("records protocol and source for every stream", async () => {
    const f = await createFixture();
    const { body: t } = await mint(f.key);
    await (await fetch(streamUrl(f.workflowId, t.token, "&protocol=ui"), { method: "POST", body: JSON.stringify({ story: "x" }) })).text();
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ protocol: "ui", source: "stream", status: "completed" });
  });
});

describe("Server-Timing", () => {
  it("says where a stream's time went before its first byte", async () => {
    const f = await createFixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { story: "x" } });
    await res.text();
    const names = (res.headers.get("server-timing") ?? "").split(", ").map((p) => p.split(";")[0]);
    expect(names).toEqual(["auth", "ratelimit", "prepare", "start", "dispatch", "first-token", "overhead"]);
  });
});
