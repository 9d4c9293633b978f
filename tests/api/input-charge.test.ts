import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { apiKeys, runs } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { reservedInputTokens } from "@/lib/credits/reservation";
import { createOfflineModel } from "@/lib/llm/offline-model";
import { runEngine } from "@/lib/llm/engine";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// Issue 14 item 6: a prompt that reached the provider is billed by the provider, so the run pays
// its input tokens even when it ends early (client disconnect, cancel, upstream failure): the
// provider's count when it reported one, the shared estimate otherwise. A request the provider
// never accepted (it answered an HTTP error, or the run was aborted before the call) pays none.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

const STORY = "lorem ipsum dolor sit amet ".repeat(600); // ~16 KB of prompt: ~4000 input tokens
const CREDITS = 100_000;

async function fixture() {
  const f = await createFixture({ model: "openai.chat:m", credits: CREDITS, template: "{{story}}" });
  const { promptText } = await preparePublished(f, { story: STORY });
  return { ...f, inputEstimate: estimateTokens(promptText), reservedInput: reservedInputTokens(promptText) };
}

async function waitForFinal(orgId: string, runId: string) {
  const db = await getDb();
  for (let i = 0; i < 250; i++) {
    const r = await getRun(db, { orgId, runId });
    if (r && r.status !== "running") return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`run ${runId} never finished`);
}

describe("runs that end early still pay the input the provider received", () => {
  it("/stream: a client disconnect after the first token charges the input estimate plus the tokens produced", async () => {
    (await upstream()).set({ tokens: 300, tokenDelayMs: 15 });
    const f = await fixture();
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: STORY }),
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    ctrl.abort();
    const run = await waitForFinal(f.orgId, res.headers.get("x-run-id")!);
    expect(run.status).toBe("canceled");
    expect(f.inputEstimate).toBeGreaterThan(3000);
    expect(run.inputTokens).toBe(f.inputEstimate);
    expect(run.outputTokens).toBeGreaterThan(0);
    expect(run.outputTokens).toBeLessThan(300);
    expect(run.creditsCharged).toBe(run.inputTokens + run.outputTokens);
    await expectLedgerEqualsBalance(f.orgId, CREDITS - run.creditsCharged);
  });

  it("POST /runs/:id/cancel on a /run call charges the input estimate plus the tokens produced", async () => {
    (await upstream()).set({ tokens: 1000, tokenDelayMs: 10 });
    const f = await fixture();
    const pending = apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY } });
    const db = await getDb();
    let runId: string | undefined;
    for (let i = 0; i < 250 && !runId; i++) {
      const list = await (await apiRequest("/api/v1/runs", { key: f.key })).json();
      const r = list.runs[0];
      if (r?.result) runId = r.run_id;
      else await new Promise((res) => setTimeout(res, 20));
    }
    const cancel = await apiRequest(`/api/v1/runs/${runId}/cancel`, { method: "POST", key: f.key });
    expect(cancel.status).toBe(200);
    const body = await cancel.json();
    expect(body).toMatchObject({ status: "canceled", usage: { input_tokens: f.inputEstimate } });
    expect(body.credits_charged).toBe(f.inputEstimate + body.usage.output_tokens);
    expect((await pending).status).toBe(500);
    expect((await getRun(db, { orgId: f.orgId, runId: runId! }))!.inputTokens).toBe(f.inputEstimate);
    await expectLedgerEqualsBalance(f.orgId, CREDITS - body.credits_charged);
  });

  it("an upstream that fails mid-stream charges the input estimate plus the tokens produced", async () => {
    (await upstream()).set({ fault: "drop_mid_stream", tokens: 20, faultAfterTokens: 5, tokenDelayMs: 5 });
    const f = await fixture();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: STORY }),
    });
    await res.text().catch(() => {});
    const run = await waitForFinal(f.orgId, res.headers.get("x-run-id")!);
    expect(run).toMatchObject({ status: "failed", inputTokens: f.inputEstimate, outputTokens: 5, creditsCharged: f.inputEstimate + 5 });
    await expectLedgerEqualsBalance(f.orgId, CREDITS - run.creditsCharged);
  });

  it("on a capped key and a token with max_credits, the charge stays within the reservation, the token and the cap", async () => {
    (await upstream()).set({ tokens: 300, tokenDelayMs: 15 });
    const f = await fixture();
    const cap = f.reservedInput + 40;
    const capped = await createApiKey({ orgId: f.orgId, creditCap: cap, creditCapPeriod: "total" });
    const maxCredits = f.reservedInput + 20;
    const { token } = await (await apiRequest(`/api/v1/token?ttl=60&max_credits=${maxCredits}`, { key: capped.key })).json();
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?token=${token}`, {
      method: "POST",
      body: JSON.stringify({ story: STORY }),
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    ctrl.abort();
    const run = await waitForFinal(f.orgId, res.headers.get("x-run-id")!);
    const db = await getDb();
    const [row] = await db.select().from(runs).where(eq(runs.id, run.id));
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, capped.id));
    expect(run).toMatchObject({ status: "canceled", inputTokens: f.inputEstimate });
    expect(run.creditsCharged).toBe(f.inputEstimate + run.outputTokens);
    expect(run.creditsCharged).toBeLessThanOrEqual(row!.creditsReserved);
    expect(row!.creditsReserved).toBeLessThanOrEqual(maxCredits);
    expect(key!.capUsed).toBe(run.creditsCharged);
    await expectLedgerEqualsBalance(f.orgId, CREDITS - run.creditsCharged);
  });

  it("a provider that refuses the request (HTTP 500) received no billable prompt: nothing is charged", async () => {
    (await upstream()).set({ fault: "http_500" });
    const f = await fixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY } });
    expect(res.status).toBe(500);
    const run = await waitForFinal(f.orgId, (await res.json()).run_id);
    expect(run).toMatchObject({ status: "failed", inputTokens: 0, outputTokens: 0, creditsCharged: 0 });
    await expectLedgerEqualsBalance(f.orgId, CREDITS);
  });

  it("the provider's own input count wins over the estimate when it reported one", async () => {
    (await upstream()).set({ tokens: 3 });
    const f = await fixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY } });
    const body = await res.json();
    // The fake upstream counts words: 5 per repeat of STORY's phrase.
    expect(body.usage).toEqual({ input_tokens: 3000, output_tokens: 3, total_tokens: 3003 });
    await expectLedgerEqualsBalance(f.orgId, CREDITS - 3003);
  });
});

describe("runEngine: when the request reached the provider", () => {
  const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "hello there" }] }];

  it("aborted before the call: the model is never called and no input is charged", async () => {
    let calls = 0;
    const offline = createOfflineModel();
    const model: LanguageModelV4 = { ...offline, doStream: (o) => (calls++, offline.doStream(o)) };
    const ctrl = new AbortController();
    ctrl.abort();
    const r = await runEngine({ model, prompt, maxOutputTokens: 10, signal: ctrl.signal, inputTokensEstimate: 50 });
    expect(calls).toBe(0);
    expect(r.error?.code).toBe("canceled");
    expect(r.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it("doStream() rejected (the provider did not accept the request): no input is charged", async () => {
    const model: LanguageModelV4 = { ...createOfflineModel(), doStream: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const r = await runEngine({ model, prompt, maxOutputTokens: 10, signal: new AbortController().signal, inputTokensEstimate: 50 });
    expect(r.error?.code).toBe("upstream_error");
    expect(r.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it("aborted after doStream() resolved: the input estimate is charged with the tokens produced", async () => {
    const ctrl = new AbortController();
    const r = await runEngine(
      { model: createOfflineModel(), prompt, maxOutputTokens: 10, signal: ctrl.signal, inputTokensEstimate: 50 },
      { onText: () => ctrl.abort() },
    );
    expect(r.error?.code).toBe("canceled");
    expect(r.usage.inputTokens).toBe(50);
    expect(r.usage.outputTokens).toBeGreaterThanOrEqual(1);
  });
});
