import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { orgs, workflows } from "@/db/schema";
import { getRun } from "@/db/queries/runs";
import { RunSteps } from "@/app/dashboard/runs/[id]/run-steps";
import { listLedger } from "@/db/queries/credits";
import { getWorkflowVersionById } from "@/db/queries/workflows";
import { resetEnvForTests } from "@/lib/env";
import { createApiKey } from "@/lib/auth/api-keys";
import { listAuditEntries } from "@/db/queries/audit";
import { toolSigningSecret } from "@/lib/tools/signing-secret";
import { callHttpTool } from "@/lib/tools/call-http-tool";
import { callMcpTool } from "@/lib/tools/mcp-client";
import type { ResolveHost } from "@/lib/webhooks/outbound";
import { toolResults } from "../support/openai-upstream";
import { publishVersion } from "@/lib/workflows/publish-version";
import { updateDraft } from "@/lib/workflows/update-draft";
import type { WorkflowTool } from "@/lib/workflows/tools";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Server tools (issue 31): a run loops model → tool → model inside the one run pipeline. The HTTP
// tool's receiver verifies every call with the standardwebhooks package (not our code); the MCP
// server is the official SDK's own (McpServer over StreamableHTTPServerTransport). The model is the
// wire-accurate upstream stand-in, which calls the tools its request offers (toolScript).

type Received = { headers: http.IncomingHttpHeaders; body: string; verified: unknown };
let inFlight = 0;
let maxInFlight = 0;
let receiver: {
  url: string;
  got: Received[];
  answer: (body: unknown) => { status: number; body: string; delayMs?: number };
  close: () => void;
};
let mcp: { url: string; port: number; calls: unknown[]; connections: () => number; close: () => void };
let secretOf: (orgId: string) => Promise<string>;

function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
}

beforeAll(async () => {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    req.on("end", async () => {
      const orgId = String(req.headers["x-test-org"] ?? "");
      let verified: unknown = null;
      try {
        verified = new Webhook(await secretOf(orgId)).verify(body, req.headers as Record<string, string>);
      } catch (e) {
        verified = { error: String(e) };
      }
      got.push({ headers: req.headers, body, verified });
      const a = receiver.answer(JSON.parse(body));
      setTimeout(() => res.writeHead(a.status, { "content-type": "application/json" }).end(a.body), a.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tools/weather`,
    got,
    answer: (b) => ({ status: 200, body: JSON.stringify({ city: (b as { city: string }).city, forecast: "sunny, 21 C" }) }),
    close: () => server.close(),
  };
  secretOf = toolSigningSecret;

  // The MCP server: stateless Streamable HTTP, a fresh server and transport per request (the SDK's own example).
  const calls: unknown[] = [];
  const mcpHttp = http.createServer(async (req, res) => {
    let raw = "";
    for await (const c of req) raw += c;
    const server = new McpServer({ name: "test-tools", version: "1.0.0" });
    server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
      calls.push({ a, b });
      return { content: [{ type: "text", text: String(a + b) }] };
    });
    server.registerTool("slow", { description: "Takes its time", inputSchema: {} }, async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      return { content: [{ type: "text", text: "late" }] };
    });
    server.registerTool("secret_thing", { description: "Not allowed", inputSchema: {} }, async () => ({
      content: [{ type: "text", text: "no" }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, raw ? JSON.parse(raw) : undefined);
  });
  let connections = 0;
  mcpHttp.on("connection", () => connections++);
  await new Promise<void>((r) => mcpHttp.listen(0, "127.0.0.1", r));
  const port = (mcpHttp.address() as AddressInfo).port;
  mcp = { url: `http://127.0.0.1:${port}/mcp`, port, calls, connections: () => connections, close: () => mcpHttp.close() };
  setEnv({ TOOLS_ALLOW_PRIVATE: "1" });
});
afterAll(() => {
  setEnv({ TOOLS_ALLOW_PRIVATE: undefined, TOOL_TIMEOUT_MS: undefined });
  receiver.close();
  mcp.close();
});
afterEach(async () => {
  (await upstream()).reset();
  receiver.answer = (b) => ({ status: 200, body: JSON.stringify({ city: (b as { city: string }).city, forecast: "sunny, 21 C" }) });
  setEnv({ TOOL_TIMEOUT_MS: undefined });
});

const weatherTool = (orgHeader: string): WorkflowTool => ({
  type: "http",
  name: "weather",
  description: "The forecast for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  url: receiver.url,
  // The receiver looks the org's secret up by this header (a test convenience; the value is sent, never shown).
  headers: { "x-test-org": orgHeader },
});

async function weatherFixture({ credits = 100_000, maxSteps = 3 }: { credits?: number; maxSteps?: number } = {}) {
  const f = await createFixture({
    model: "openai.chat:m",
    credits,
    template: "What is the weather in {{city}}?",
    maxOutputTokens: 100,
    publish: false,
  });
  // The tool names the org (for the receiver's secret lookup), so it is set once the org exists.
  await updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { tools: [weatherTool(f.orgId)], maxSteps } });
  await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
  return f;
}

async function run(f: { key: string; workflowId: string }, vars: Record<string, unknown>) {
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { key: f.key, json: vars });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function getRunJson(f: { key: string }, runId: string) {
  const res = await apiRequest(`/api/v1/runs/${runId}`, { key: f.key });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe("server tools loop inside the run (issue 31)", () => {
  it("model → HTTP tool (signed, verified by standardwebhooks) → model → text; each step recorded and charged; ledger = balance", async () => {
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Paris" } }] });
    const f = await weatherFixture();
    const { status, body } = await run(f, { city: "Paris" });
    expect(status).toBe(200);
    expect(body.result).toContain("sunny, 21 C");

    // The receiver got the model's arguments as JSON, signed: standardwebhooks verified it with the org's secret.
    const call = receiver.got.at(-1)!;
    expect(JSON.parse(call.body)).toEqual({ city: "Paris" });
    expect(call.verified).toEqual({ city: "Paris" });
    // Both secrets the call used are sealed at rest: the org's signing secret and the tool's header value.
    const [org] = await (await getDb()).select().from(orgs).where(eq(orgs.id, f.orgId));
    expect(org!.toolSigningSecret).toMatch(/^sealed:v1:/);
    expect(org!.toolSigningSecret).not.toContain(await toolSigningSecret(f.orgId));
    const [wf] = await (await getDb()).select().from(workflows).where(eq(workflows.id, f.workflowId));
    expect(JSON.stringify(wf!.tools)).not.toContain(f.orgId);
    expect(call.headers["x-flowgate-run-id"]).toBe(body.run_id);

    const rec = await getRunJson(f, body.run_id);
    console.log(`[server-tools] GET /api/v1/runs/${body.run_id}\n${JSON.stringify(rec, null, 2)}`);
    expect(rec.stop_reason).toBe("stop");
    expect(rec.steps).toHaveLength(2);
    expect(rec.steps[0].tool_calls).toEqual([
      expect.objectContaining({
        name: "weather",
        type: "http",
        arguments: '{"city":"Paris"}',
        error: null,
        answer_bytes: expect.any(Number),
      }),
    ]);
    expect(rec.steps[0].tool_calls[0].answer_bytes).toBeGreaterThan(10);
    expect(rec.steps[1].tool_calls).toEqual([]);
    expect(rec.steps.reduce((n: number, s: { credits: number }) => n + s.credits, 0)).toBe(rec.credits_charged);
    expect(rec.credits_charged).toBeGreaterThan(0);
    expect(rec.usage.input_tokens).toBe(rec.steps[0].input_tokens + rec.steps[1].input_tokens);
    // The second model call saw the tool's answer, as an OpenAI tool message answering the call.
    const second = (await upstream()).requests.at(-1)!.body;
    expect(second.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: expect.any(String) });
    expect(second.messages.at(-1).content).toContain("sunny, 21 C");
    // Money: step 2 was reserved before it started (a second reserve entry), then one settlement; ledger = balance.
    const ledger = await listLedger(await getDb(), { orgId: f.orgId, runId: body.run_id });
    expect(ledger.map((e) => e.idempotencyKey).sort()).toEqual(
      [`reserve:${body.run_id}`, `reserve:${body.run_id}:2`, `settle:${body.run_id}`].sort(),
    );
    await expectLedgerEqualsBalance(f.orgId, 100_000 - rec.credits_charged);

    // The dashboard's run page shows the same steps (its Steps card, rendered from the run row).
    const row = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    const html = renderToStaticMarkup(createElement(RunSteps, { steps: row.steps!, stopReason: row.stopReason }));
    expect(html).toContain("weather</span> (http)");
    expect(html).toContain(`${rec.steps[0].tool_calls[0].answer_bytes} bytes in ${rec.steps[0].tool_calls[0].latency_ms} ms`);
    expect(html).toContain('Stopped: <span class="font-mono">stop</span>');
  });

  it("/stream (SSE) runs the same loop: the answer after the tool step streams, the steps are recorded", async () => {
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Kyiv" } }] });
    const f = await weatherFixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, {
      key: f.key,
      headers: { accept: "text/event-stream" },
      json: { city: "Kyiv" },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("sunny,");
    expect(text).toContain("event: done");
    // The server tool's call and its answer are events of the stream.
    expect(text).toMatch(/event: tool_call\ndata: .*"name":"weather"/);
    expect(text).toMatch(/event: tool_result\ndata: .*sunny, 21 C.*"is_error":false/);
    const rec = await getRunJson(f, res.headers.get("x-run-id")!);
    expect(rec.status).toBe("completed");
    expect(rec.steps.map((s: { tool_calls: unknown[] }) => s.tool_calls.length)).toEqual([1, 0]);
    await expectLedgerEqualsBalance(f.orgId, 100_000 - rec.credits_charged);
  });

  it("a run that cannot afford its next step ends with what it has and says why", async () => {
    // The tool's answer is large: step 2's prompt reserves far more than the balance left after step 1.
    receiver.answer = () => ({ status: 200, body: JSON.stringify({ forecast: "cloudy ".repeat(6_000) }) });
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Oslo" } }] });
    const f = await weatherFixture({ credits: 3_000 });
    const calledModel = (await upstream()).requests.length;
    const { status, body } = await run(f, { city: "Oslo" });
    expect(status).toBe(200);
    expect(body.stop_reason).toBe("insufficient_credits");
    const rec = await getRunJson(f, body.run_id);
    expect(rec.status).toBe("completed");
    expect(rec.stop_reason).toBe("insufficient_credits");
    expect(rec.steps).toHaveLength(1);
    expect(rec.steps[0].tool_calls[0]).toMatchObject({ name: "weather", error: null });
    expect(rec.credits_charged).toBe(rec.steps[0].credits);
    expect((await upstream()).requests.length).toBe(calledModel + 1);
    const ledger = await listLedger(await getDb(), { orgId: f.orgId, runId: body.run_id });
    expect(ledger.map((e) => e.idempotencyKey).sort()).toEqual([`reserve:${body.run_id}`, `settle:${body.run_id}`].sort());
    await expectLedgerEqualsBalance(f.orgId, 3_000 - rec.credits_charged);
  });

  it("a failing tool, a timed-out tool and invalid arguments are error results for the model, not failed runs", async () => {
    const f = await weatherFixture();
    // 1. The receiver answers 500.
    receiver.answer = () => ({ status: 500, body: "database down" });
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Rome" } }] });
    let r = await run(f, { city: "Rome" });
    expect(r.status).toBe(200);
    expect(r.body.result).toContain("Tool error (http_500)");
    let rec = await getRunJson(f, r.body.run_id);
    expect(rec.steps[0].tool_calls[0].error).toBe("http_500");

    // 2. The receiver is slower than TOOL_TIMEOUT_MS.
    setEnv({ TOOL_TIMEOUT_MS: "300" });
    receiver.answer = () => ({ status: 200, body: "{}", delayMs: 1_500 });
    const before = receiver.got.length;
    r = await run(f, { city: "Rome" });
    expect(r.status).toBe(200);
    rec = await getRunJson(f, r.body.run_id);
    expect(rec.steps[0].tool_calls[0]).toMatchObject({ error: "timeout" });
    expect(rec.steps[0].tool_calls[0].latency_ms).toBeLessThan(1_400);
    expect(r.body.result).toContain("Tool error (timeout)");
    expect(receiver.got.length).toBe(before + 1);

    // 3. Arguments that do not match the schema: no HTTP call at all.
    setEnv({ TOOL_TIMEOUT_MS: undefined });
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: 42 } }] });
    const calledBefore = receiver.got.length;
    r = await run(f, { city: "Rome" });
    expect(r.status).toBe(200);
    rec = await getRunJson(f, r.body.run_id);
    expect(rec.steps[0].tool_calls[0].error).toBe("invalid_arguments");
    expect(receiver.got.length).toBe(calledBefore);
    expect(r.body.result).toContain("arguments do not match the schema: city");
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("an answer over 100 KB reaches the model cut, with a note", async () => {
    receiver.answer = () => ({ status: 200, body: "x".repeat(150_000) });
    (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Nice" } }] });
    const f = await weatherFixture({ credits: 10_000_000 });
    const { status, body } = await run(f, { city: "Nice" });
    expect(status).toBe(200);
    const rec = await getRunJson(f, body.run_id);
    const note = "\n[answer cut at 100000 characters]";
    expect(rec.steps[0].tool_calls[0].answer_bytes).toBe(100_000 + note.length);
    const toolMessage = (await upstream()).requests.at(-1)!.body.messages.at(-1);
    expect(toolMessage.content.length).toBe(100_000 + note.length);
    expect(toolMessage.content.endsWith(note)).toBe(true);
  });

  it("a step's tool calls run at most 4 at once", async () => {
    receiver.answer = (b) => ({ status: 200, body: JSON.stringify({ city: (b as { city: string }).city }), delayMs: 300 });
    const cities = ["A", "B", "C", "D", "E", "F", "G"];
    (await upstream()).set({
      toolCalls: (body) => (toolResults(body).length ? null : cities.map((city) => ({ name: "weather", arguments: { city } }))),
    });
    const f = await weatherFixture();
    maxInFlight = 0;
    const started = performance.now();
    const { status, body } = await run(f, { city: "x" });
    expect(status).toBe(200);
    expect(maxInFlight).toBe(4);
    expect(performance.now() - started).toBeGreaterThan(600); // 7 calls of 300 ms, 4 at once: two rounds
    const rec = await getRunJson(f, body.run_id);
    expect(rec.steps[0].tool_calls.map((c: { arguments: string; error: null }) => [c.arguments, c.error])).toEqual(
      cities.map((city) => [JSON.stringify({ city }), null]),
    );
  });

  it("max_steps bounds the loop: a model that keeps calling tools stops at the limit", async () => {
    (await upstream()).set({ toolCalls: () => [{ name: "weather", arguments: { city: "Lima" } }] });
    const f = await weatherFixture({ maxSteps: 2 });
    const { status, body } = await run(f, { city: "Lima" });
    expect(status).toBe(200);
    expect(body.stop_reason).toBe("max_steps");
    const rec = await getRunJson(f, body.run_id);
    expect(rec.steps).toHaveLength(2);
    expect(rec.steps[1].tool_calls).toEqual([]);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("a private address is refused without TOOLS_ALLOW_PRIVATE (an error result, no request)", async () => {
    setEnv({ TOOLS_ALLOW_PRIVATE: undefined });
    try {
      (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Bern" } }] });
      const f = await weatherFixture();
      const before = receiver.got.length;
      const { status, body } = await run(f, { city: "Bern" });
      expect(status).toBe(200);
      const rec = await getRunJson(f, body.run_id);
      expect(rec.steps[0].tool_calls[0].error).toBe("refused");
      expect(receiver.got.length).toBe(before);
    } finally {
      setEnv({ TOOLS_ALLOW_PRIVATE: "1" });
    }
  });
});

describe("MCP tools (issue 31)", () => {
  it("are listed when the version is published (allowed_tools applied) and called server-side during the run", async () => {
    const f = await createFixture({
      model: "openai.chat:m",
      template: "Add {{a}} and {{b}}",
      maxOutputTokens: 100,
      maxSteps: 3,
      publish: false,
    });
    await updateDraft({
      orgId: f.orgId,
      workflowId: f.workflowId,
      patch: { tools: [{ type: "mcp", server_url: mcp.url, allowed_tools: ["add"] }] },
    });
    const published = await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const version = await getWorkflowVersionById(await getDb(), { orgId: f.orgId, versionId: published.version_id });
    const snap = (version!.tools[0] as Extract<WorkflowTool, { type: "mcp" }>).snapshot!;
    expect(snap.map((s) => s.name)).toEqual(["add"]);
    expect(snap[0]!.parameters).toMatchObject({ type: "object", properties: { a: { type: "number" }, b: { type: "number" } } });

    (await upstream()).set({ toolScript: [{ name: "add", arguments: { a: 2, b: 40 } }] });
    const { status, body } = await run(f, { a: "2", b: "40" });
    expect(status).toBe(200);
    expect(body.result).toContain("42");
    expect(mcp.calls.at(-1)).toEqual({ a: 2, b: 40 });
    const rec = await getRunJson(f, body.run_id);
    expect(rec.steps[0].tool_calls[0]).toMatchObject({ name: "add", type: "mcp", error: null, answer_bytes: 2 });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("an MCP tool slower than TOOL_TIMEOUT_MS is a timeout error result for the model", async () => {
    const f = await createFixture({ model: "openai.chat:m", template: "Wait", maxOutputTokens: 100, maxSteps: 2, publish: false });
    await updateDraft({
      orgId: f.orgId,
      workflowId: f.workflowId,
      patch: { tools: [{ type: "mcp", server_url: mcp.url, allowed_tools: ["slow"] }] },
    });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    setEnv({ TOOL_TIMEOUT_MS: "300" });
    (await upstream()).set({ toolScript: [{ name: "slow", arguments: {} }] });
    const { status, body } = await run(f, {});
    expect(status).toBe(200);
    const rec = await getRunJson(f, body.run_id);
    expect(rec.steps[0].tool_calls[0]).toMatchObject({ name: "slow", type: "mcp", error: "timeout" });
    expect(rec.steps[0].tool_calls[0].latency_ms).toBeLessThan(1_500);
    expect(body.result).toContain("Tool error (timeout)");
  });

  it("an unreachable MCP server is a clear publish error; a tool it does not offer too", async () => {
    const f = await createFixture({ model: "openai.chat:m", publish: false });
    await updateDraft({
      orgId: f.orgId,
      workflowId: f.workflowId,
      patch: { tools: [{ type: "mcp", server_url: "http://127.0.0.1:9/mcp" }] },
    });
    await expect(publishVersion({ orgId: f.orgId, workflowId: f.workflowId })).rejects.toThrow(
      /MCP server 127\.0\.0\.1:9 could not be listed/,
    );
    await updateDraft({
      orgId: f.orgId,
      workflowId: f.workflowId,
      patch: { tools: [{ type: "mcp", server_url: mcp.url, allowed_tools: ["multiply"] }] },
    });
    await expect(publishVersion({ orgId: f.orgId, workflowId: f.workflowId })).rejects.toThrow(/has no tool named "multiply"/);
  });
});

describe("rotating the tool signing secret", () => {
  it("POST …/rotate returns the new secret once; for 24 h calls verify with the old and the new one, then with the new one only", async () => {
    setEnv({ LOOKUP_CACHE_TTL_MS: "0" }); // the org row is read again at each call, as another instance would after 1 s
    try {
      const f = await weatherFixture();
      const old = await toolSigningSecret(f.orgId);
      const admin = (await createApiKey({ orgId: f.orgId, scopes: ["admin"] })).key;
      // A key restricted to some workflows may neither read nor rotate it.
      const restricted = (await createApiKey({ orgId: f.orgId, scopes: ["admin"], workflowIds: [f.workflowId] })).key;
      let res = await apiRequest("/api/v1/tools/signing-secret/rotate", { key: restricted, json: {} });
      expect(res.status).toBe(403);
      expect(await toolSigningSecret(f.orgId)).toBe(old);

      res = await apiRequest("/api/v1/tools/signing-secret/rotate", { key: admin, json: {} });
      expect(res.status).toBe(200);
      const rotated = (await res.json()) as { secret: string; previous_valid_until: string };
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(old);
      expect(Math.abs(Date.parse(rotated.previous_valid_until) - (Date.now() + 24 * 3_600_000))).toBeLessThan(60_000);
      res = await apiRequest("/api/v1/tools/signing-secret", { key: admin });
      expect((await res.json()).secret).toBe(rotated.secret);
      // Both sealed at rest.
      const db = await getDb();
      const [org] = await db.select().from(orgs).where(eq(orgs.id, f.orgId));
      for (const sealed of [org!.toolSigningSecret!, org!.toolSigningSecretPrevious!]) {
        expect(sealed).toMatch(/^sealed:v1:/);
        expect(sealed).not.toContain(old.slice(6));
        expect(sealed).not.toContain(rotated.secret.slice(6));
      }
      const audit = await listAuditEntries(db, { orgId: f.orgId });
      expect(audit.map((e) => e.action)).toContain("tools.signing_secret_rotate");
      expect(JSON.stringify(audit)).not.toContain(rotated.secret.slice(6));

      // During the overlap: two signatures; the standardwebhooks verifier accepts the call with either secret.
      (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Gent" } }] });
      expect((await run(f, { city: "Gent" })).status).toBe(200);
      let call = receiver.got.at(-1)!;
      expect(JSON.parse(call.body)).toEqual({ city: "Gent" });
      expect(String(call.headers["webhook-signature"]).split(" ")).toHaveLength(2);
      const verify = (secret: string) => new Webhook(secret).verify(call.body, call.headers as Record<string, string>);
      expect(verify(rotated.secret)).toEqual({ city: "Gent" });
      expect(verify(old)).toEqual({ city: "Gent" });

      // After the overlap: the new secret only.
      await db.execute(sql`update orgs set tool_signing_secret_rotated_at = now() - interval '25 hours' where id = ${f.orgId}`);
      (await upstream()).set({ toolScript: [{ name: "weather", arguments: { city: "Lyon" } }] });
      expect((await run(f, { city: "Lyon" })).status).toBe(200);
      call = receiver.got.at(-1)!;
      expect(JSON.parse(call.body)).toEqual({ city: "Lyon" });
      expect(String(call.headers["webhook-signature"]).split(" ")).toHaveLength(1);
      expect(verify(rotated.secret)).toEqual({ city: "Lyon" });
      expect(() => verify(old)).toThrow();
    } finally {
      setEnv({ LOOKUP_CACHE_TTL_MS: undefined });
    }
  });
});

describe("the connection goes to the address that was checked (DNS rebinding)", () => {
  // A resolver injected in place of the system's: `first` at the check, then 127.0.0.1 (where the
  // test servers listen) for any later lookup. The names end in .invalid: the system resolver
  // knows none of them, so a connection that looked the name up again could not succeed either.
  function rebinding(first: string) {
    const asked: string[] = [];
    const resolveHost: ResolveHost = async (host) => {
      asked.push(host);
      return [{ address: asked.length === 1 ? first : "127.0.0.1", family: 4 }];
    };
    return { resolveHost, asked };
  }
  const never = new AbortController().signal;

  it("MCP: the session connects to the checked address, not to what the name resolves to later", async () => {
    const { resolveHost, asked } = rebinding("127.0.0.1");
    const before = mcp.calls.length;
    const url = `http://mcp.rebind.invalid:${mcp.port}/mcp`;
    const r = await callMcpTool({ server_url: url }, "add", { a: 20, b: 22 }, never, { resolveHost });
    expect(r).toMatchObject({ output: "42", error: null });
    expect(mcp.calls.length).toBe(before + 1);
    // Every request of the session was checked (initialize, initialized, tools/call, …), each by one lookup.
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(new Set(asked)).toEqual(new Set(["mcp.rebind.invalid"]));
  });

  it("MCP: a name public at the check and private afterwards never reaches the private address", async () => {
    setEnv({ TOOLS_ALLOW_PRIVATE: undefined, TOOL_TIMEOUT_MS: "500" });
    try {
      const { resolveHost, asked } = rebinding("1.1.1.1");
      const connections = mcp.connections();
      const r = await callMcpTool({ server_url: `https://mcp.rebind.invalid:${mcp.port}/mcp` }, "add", { a: 1, b: 2 }, never, {
        resolveHost,
      });
      expect(r.error).toMatch(/^(unreachable|timeout)$/);
      expect(asked).toEqual(["mcp.rebind.invalid"]); // one lookup: the check's; the connection asked none
      expect(mcp.connections()).toBe(connections);
    } finally {
      setEnv({ TOOLS_ALLOW_PRIVATE: "1" });
    }
  });

  it("HTTP tools: the same (the request connects to the checked address only)", async () => {
    const port = new URL(receiver.url).port;
    const { resolveHost, asked } = rebinding("127.0.0.1");
    const before = receiver.got.length;
    const tool = { name: "weather", url: `http://tool.rebind.invalid:${port}/tools/weather` };
    const o = { secrets: ["whsec_" + Buffer.from("k".repeat(32)).toString("base64")], callId: "call_1", runId: "run_1", signal: never };
    const ok = await callHttpTool(tool, { city: "Bonn" }, { ...o, resolveHost });
    expect(ok).toMatchObject({ error: null });
    expect(ok.output).toContain("Bonn");
    expect(receiver.got.length).toBe(before + 1);
    expect(asked).toEqual(["tool.rebind.invalid"]);

    setEnv({ TOOLS_ALLOW_PRIVATE: undefined, TOOL_TIMEOUT_MS: "500" });
    try {
      const late = rebinding("1.1.1.1");
      const r = await callHttpTool(
        { ...tool, url: `https://tool.rebind.invalid:${port}/x` },
        { city: "Ulm" },
        { ...o, resolveHost: late.resolveHost },
      );
      expect(r.error).toMatch(/^(unreachable|timeout)$/);
      expect(late.asked).toEqual(["tool.rebind.invalid"]);
      expect(receiver.got.length).toBe(before + 1);
    } finally {
      setEnv({ TOOLS_ALLOW_PRIVATE: "1" });
    }
  });
});

describe("client tools on POST /run: requires_action → POST /runs/{run_id}/tool_outputs (issue 31)", () => {
  const locationTool: WorkflowTool = {
    type: "function",
    name: "get_location",
    description: "Where the user is (the caller knows)",
    parameters: { type: "object", properties: {} },
  };

  async function clientToolFixture() {
    const f = await createFixture({
      model: "openai.chat:m",
      template: "What is the weather where I am?",
      maxOutputTokens: 100,
      publish: false,
    });
    await updateDraft({ orgId: f.orgId, workflowId: f.workflowId, patch: { tools: [locationTool, weatherTool(f.orgId)], maxSteps: 3 } });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    (await upstream()).set({
      toolScript: [
        { name: "get_location", arguments: {} },
        { name: "weather", arguments: { city: "Paris" }, after: "get_location" },
      ],
    });
    return f;
  }

  it("the run answers requires_action with its calls; the outputs continue it in a new run (server tool included) — once, in scope", async () => {
    const f = await clientToolFixture();
    const first = await run(f, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "requires_action", stop_reason: "tool_calls" });
    expect(first.body.tool_calls).toEqual([{ id: expect.any(String), name: "get_location", arguments: "{}" }]);
    expect(Date.parse(first.body.expires_at)).toBeGreaterThan(Date.now() + 9 * 60_000);
    const rec = await getRunJson(f, first.body.run_id);
    expect(rec.required_action).toMatchObject({ type: "submit_tool_outputs", tool_calls: first.body.tool_calls });
    expect(rec.steps[0].tool_calls[0]).toMatchObject({ name: "get_location", type: "function", answer_bytes: 0 });
    const callId = first.body.tool_calls[0].id;
    const path = `/api/v1/runs/${first.body.run_id}/tool_outputs`;

    // Bad answers: 400, nothing continued.
    let res = await apiRequest(path, { key: f.key, json: { tool_outputs: [{ tool_call_id: "call_nope", output: "x" }] } });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/unknown tool_call_id/);
    // Another org's key: not found (like a run that does not exist).
    const other = await createFixture();
    res = await apiRequest(path, { key: other.key, json: { tool_outputs: [{ tool_call_id: callId, output: "Paris" }] } });
    expect(res.status).toBe(404);

    res = await apiRequest(path, { key: f.key, json: { tool_outputs: [{ tool_call_id: callId, output: "Paris, France" }] } });
    expect(res.status).toBe(200);
    const next = (await res.json()) as Record<string, any>;
    expect(next).toMatchObject({ status: "completed", previous_run_id: first.body.run_id, stop_reason: "stop" });
    expect(next.result).toContain("sunny, 21 C");
    // The continuation's model saw the caller's output, then called the server tool itself.
    expect(JSON.parse(receiver.got.at(-1)!.body)).toEqual({ city: "Paris" });
    const cont = await getRunJson(f, next.run_id);
    expect(cont.steps.map((s: { tool_calls: Array<{ name: string }> }) => s.tool_calls.map((c) => c.name))).toEqual([["weather"], []]);
    expect((await getRunJson(f, first.body.run_id)).continued_by).toBe(next.run_id);

    // Answered once.
    res = await apiRequest(path, { key: f.key, json: { tool_outputs: [{ tool_call_id: callId, output: "Paris" }] } });
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe("run_not_awaiting_tool_outputs");
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("after 10 minutes the calls expire: no required_action, tool_outputs is a 409; nothing was held meanwhile", async () => {
    const f = await clientToolFixture();
    const first = await run(f, {});
    expect(first.body.status).toBe("requires_action");
    // Settled at once: the run holds no credits while it waits.
    const { runs } = await import("@/db/schema");
    const { eq, sql } = await import("drizzle-orm");
    const db = await getDb();
    const row = await getRun(db, { orgId: f.orgId, runId: first.body.run_id });
    expect(row!.status).toBe("completed");
    await expectLedgerEqualsBalance(f.orgId, 100_000 - row!.creditsCharged);
    await db
      .update(runs)
      .set({ finishedAt: sql`now() - interval '11 minutes'` })
      .where(eq(runs.id, first.body.run_id));
    expect((await getRunJson(f, first.body.run_id)).required_action).toBeNull();
    const res = await apiRequest(`/api/v1/runs/${first.body.run_id}/tool_outputs`, {
      key: f.key,
      json: { tool_outputs: [{ tool_call_id: first.body.tool_calls[0].id, output: "Paris" }] },
    });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatch(/expired/);
  });

  it("stream: true continues as Server-Sent Events", async () => {
    const f = await clientToolFixture();
    const first = await run(f, {});
    const res = await apiRequest(`/api/v1/runs/${first.body.run_id}/tool_outputs`, {
      key: f.key,
      json: { tool_outputs: [{ tool_call_id: first.body.tool_calls[0].id, output: "Paris" }], stream: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const text = await res.text();
    expect(text).toContain("sunny");
    expect(res.headers.get("x-previous-run-id")).toBe(first.body.run_id);
    await expectLedgerEqualsBalance(f.orgId);
  });
});
