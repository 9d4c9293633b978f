import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { resetEnvForTests } from "@/lib/env";
import { breakerAllows, breakerFailed, breakerReleased, breakerSucceeded, resetBreakersForTests } from "@/lib/llm/circuit-breaker";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "../support/openai-upstream";
import { apiRequest } from "../support/routes";

// Retries, fallbacks and the circuit breaker, through the real @ai-sdk/openai against scripted
// upstreams on loopback: "pa" is the primary's provider, "pb" the fallback's.
const SETTINGS = {
  LLM_RETRY_BASE_MS: "20",
  LLM_FIRST_TOKEN_TIMEOUT_MS: "400",
  LLM_BREAKER_FAILURES: "3",
  LLM_BREAKER_COOLDOWN_MS: "600",
  // Failures in a row open the breaker at once here; what the span adds has its own tests below.
  LLM_BREAKER_SPAN_MS: "0",
  LLM_RETRY_AFTER_MAX_S: "3",
};
const TEXT = "one two three four five six seven eight nine ten";

let pa: FakeOpenAI;
let pb: FakeOpenAI;
beforeAll(async () => {
  pa = await startFakeOpenAI({ text: TEXT });
  pb = await startFakeOpenAI({ text: TEXT });
  // A port nothing listens on: connection refused.
  const gone = await startFakeOpenAI();
  await gone.close();
  Object.assign(process.env, SETTINGS, {
    FLOWGATE_PROVIDERS: JSON.stringify({ pa: { base_url: pa.url }, pb: { base_url: pb.url }, dead: { base_url: gone.url } }),
  });
  resetEnvForTests();
  // Different prices, so the ledger shows which model answered: pa 1 credit/token, pb 2 credits/token.
  await runAdminCommand(["model", "price", "--model", "pa:m", "--input", "1000000", "--output", "1000000"]);
  await runAdminCommand(["model", "price", "--model", "pb:m", "--input", "2000000", "--output", "2000000"]);
});
afterAll(async () => {
  for (const k of [...Object.keys(SETTINGS), "FLOWGATE_PROVIDERS"]) delete process.env[k];
  resetEnvForTests();
  resetBreakersForTests();
  await Promise.all([pa.close(), pb.close()]);
});
beforeEach(() => {
  pa.reset();
  pb.reset();
  pa.requests.length = 0;
  pb.requests.length = 0;
  resetBreakersForTests();
});

async function runOnce(
  opts: {
    model?: string;
    fallback?: boolean;
    maxAttempts?: number;
    a?: Partial<FakeOpenAIOptions>;
    b?: Partial<FakeOpenAIOptions>;
    credits?: number;
  } = {},
) {
  if (opts.a) pa.set(opts.a);
  if (opts.b) pb.set(opts.b);
  const f = await createFixture({
    model: opts.model ?? "pa:m",
    template: "Say {{story}}",
    credits: opts.credits ?? 1000,
    fallbackModels: opts.fallback ? ["pb:m"] : [],
    maxAttempts: opts.maxAttempts ?? 3,
  });
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "ten words" } });
  const body = await res.json();
  const record = body.run_id ? await (await apiRequest(`/api/v1/runs/${body.run_id}`, { key: f.key })).json() : null;
  return { f, res, body, record };
}

const attempt = (model: string, status: string, error_class: string | null, http_status: number | null = null) =>
  expect.objectContaining({ model, provider: model.split(":")[0], status, error_class, http_status });

describe("retries before the first token", () => {
  it("503 twice, then an answer: three calls, one run, charged once", async () => {
    const r = await runOnce({ a: { script: ["http_503", "http_503"] } });
    expect(r.res.status).toBe(200);
    expect(r.body.result).toBe(TEXT);
    expect(pa.requests).toHaveLength(3);
    expect(r.record.attempts).toEqual([
      attempt("pa:m", "failed", "overloaded", 503),
      attempt("pa:m", "failed", "overloaded", 503),
      attempt("pa:m", "succeeded", null),
    ]);
    expect(r.record.attempts[2]).toMatchObject({ input_tokens: 3, output_tokens: 10 });
    expect(r.body.credits_charged).toBe(13);
    // The ledger: one reservation, one settlement.
    const ledger = await listLedger(await getDb(), { orgId: r.f.orgId, runId: r.body.run_id });
    expect(ledger.map((l) => l.kind).sort()).toEqual(["reserve", "settle"]);
    expect(ledger.reduce((s, l) => s + l.amount, 0)).toBe(-13);
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it("429 with Retry-After: the retry waits as told", async () => {
    const r = await runOnce({ a: { script: ["http_429"], retryAfter: "1" } });
    expect(r.res.status).toBe(200);
    expect(pa.requests).toHaveLength(2);
    expect(pa.requests[1]!.at - pa.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(r.record.attempts.map((a: { error_class: string | null }) => a.error_class)).toEqual(["rate_limited", null]);
  });

  it("a hang before the first token is cut at the first-token limit and retried", async () => {
    const r = await runOnce({ a: { script: ["hang_before_first_token"] } });
    expect(r.res.status).toBe(200);
    expect(pa.requests).toHaveLength(2);
    expect(r.record.attempts).toEqual([attempt("pa:m", "failed", "first_token_timeout"), attempt("pa:m", "succeeded", null)]);
    expect(r.record.attempts[0].duration_ms).toBeGreaterThanOrEqual(390);
  });

  it("never after a token was sent: a stream that dies mid-way fails the run, charged what it produced", async () => {
    const r = await runOnce({ fallback: true, a: { fault: "drop_mid_stream", faultAfterTokens: 4 } });
    expect(r.res.status).toBe(500);
    expect(r.body).toMatchObject({ success: false, reason: "stream_error" });
    expect(pa.requests).toHaveLength(1);
    expect(pb.requests).toHaveLength(0);
    // The prompt reached the provider: its input is charged too (the estimate, unreported), at the default price.
    expect(r.record).toMatchObject({ status: "failed", usage: { output_tokens: 4 } });
    expect(r.record.usage.input_tokens).toBeGreaterThan(0);
    expect(r.record.credits_charged).toBe(r.record.usage.total_tokens);
    expect(r.record.attempts).toEqual([attempt("pa:m", "failed", "stream_error")]);
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it.each(["http_400", "http_401", "http_404"] as const)("%s is never retried: the fallback model is tried instead", async (fault) => {
    const r = await runOnce({ fallback: true, a: { fault } });
    expect(r.res.status).toBe(200);
    expect(pa.requests).toHaveLength(1);
    expect(r.record.attempts).toEqual([
      attempt("pa:m", "failed", "client_error", Number(fault.slice(5))),
      attempt("pb:m", "succeeded", null),
    ]);
  });
});

describe("fallback models", () => {
  it("a provider that refuses connections is retried, then the fallback answers", async () => {
    const r = await runOnce({ model: "dead:m", fallback: true, maxAttempts: 2 });
    expect(r.res.status).toBe(200);
    expect(r.record.attempts).toEqual([
      attempt("dead:m", "failed", "connection"),
      attempt("dead:m", "failed", "connection"),
      attempt("pb:m", "succeeded", null),
    ]);
    // dead:m has no price: the reservation covered the default price; the answer is charged at pb's.
    expect(r.body.credits_charged).toBe(26);
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it("a stream falls back before its first byte: the client sees one clean answer", async () => {
    pa.set({ fault: "http_503" });
    const f = await createFixture({ model: "pa:m", template: "Say {{story}}", fallbackModels: ["pb:m"], maxAttempts: 1 });
    const { token } = await (await apiRequest("/api/v1/token", { key: f.key })).json();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}&protocol=sse`, {
      method: "POST",
      json: { story: "ten words" },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    const chunks = [...text.matchAll(/event: chunk\ndata: (.*)/g)].map((m) => JSON.parse(m[1]!).content).join("");
    expect(chunks).toBe(TEXT);
    expect(text).not.toContain("event: error");
    const runId = res.headers.get("x-run-id")!;
    let record;
    for (let i = 0; i < 50; i++) {
      record = await (await apiRequest(`/api/v1/runs/${runId}`, { key: f.key })).json();
      if (record.status !== "running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(record.attempts).toEqual([attempt("pa:m", "failed", "overloaded", 503), attempt("pb:m", "succeeded", null)]);
    expect(record.credits_charged).toBe(26);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("a stream whose every call is rate-limited: seed B's CAPACITY_ERROR event with retry_after (SSE), the 500 with reason (text)", async () => {
    pa.set({ fault: "http_429", retryAfter: "2" });
    const f = await createFixture({ model: "pa:m", template: "Say {{story}}", maxAttempts: 1 });
    const stream = async (protocol: string) => {
      const { token } = await (await apiRequest("/api/v1/token", { key: f.key })).json();
      return apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}&protocol=${protocol}`, {
        method: "POST",
        json: { story: "ten words" },
      });
    };
    const sse = await stream("sse");
    expect(sse.status).toBe(200);
    const text = await sse.text();
    const error = /event: error\ndata: (.*)\n/.exec(text);
    expect(JSON.parse(error![1]!)).toMatchObject({ error: "Failed to run workflow", code: "CAPACITY_ERROR", retry_after: 2 });
    expect(text).toMatch(/event: done\ndata: \{[^\n]*"status":"failed"/);
    const plain = await stream("text");
    expect(plain.status).toBe(500);
    expect(await plain.json()).toMatchObject({ success: false, reason: "rate_limited", retry_after: 2 });
    pa.set({ fault: "http_500" });
    const other = await (await stream("sse")).text();
    expect(JSON.parse(/event: error\ndata: (.*)\n/.exec(other)![1]!)).toMatchObject({ code: "STREAM_ERROR" });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("the primary exhausted, the fallback answers; charged at the fallback's price", async () => {
    const r = await runOnce({ fallback: true, maxAttempts: 2, a: { fault: "http_500" } });
    expect(r.res.status).toBe(200);
    expect(r.body.result).toBe(TEXT);
    expect(pa.requests).toHaveLength(2);
    expect(pb.requests).toHaveLength(1);
    expect(pb.requests[0]!.body.model).toBe("m");
    expect(r.record.attempts).toEqual([
      attempt("pa:m", "failed", "server_error", 500),
      attempt("pa:m", "failed", "server_error", 500),
      attempt("pb:m", "succeeded", null),
    ]);
    expect(r.body.credits_charged).toBe(26); // 13 tokens at 2 credits each
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it("a Retry-After beyond the bound is not waited for: the next model goes at once", async () => {
    const r = await runOnce({ fallback: true, a: { fault: "http_429", retryAfter: "60" } });
    expect(r.res.status).toBe(200);
    expect(pa.requests).toHaveLength(1);
    expect(pb.requests[0]!.at - pa.requests[0]!.at).toBeLessThan(2000);
  });
});

describe("when everything fails", () => {
  it("all rate-limited: /run is the seed's 500 with reason and retry_after; charged nothing", async () => {
    const r = await runOnce({
      fallback: true,
      maxAttempts: 2,
      a: { fault: "http_429", retryAfter: "1" },
      b: { fault: "http_429", retryAfter: "2" },
    });
    expect(r.res.status).toBe(500);
    expect(r.body).toMatchObject({
      success: false,
      error: "Failed to run workflow",
      code: "internal_server_error",
      reason: "rate_limited",
      retry_after: 2,
    });
    expect(r.record.attempts).toHaveLength(4);
    expect(r.record).toMatchObject({ status: "failed", credits_charged: 0 });
    expect((await getOrg(await getDb(), r.f.orgId))!.creditBalance).toBe(1000);
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it("mixed failures: reason is the last one's, no retry_after", async () => {
    const r = await runOnce({ fallback: true, maxAttempts: 1, a: { fault: "http_503" }, b: { fault: "http_401" } });
    expect(r.res.status).toBe(500);
    expect(r.body.reason).toBe("client_error");
    expect(r.body).not.toHaveProperty("retry_after");
  });
});

describe("circuit breaker (per provider, per instance)", () => {
  it("after 3 failures in a row the provider is skipped until the cool-down ends, then probed once", async () => {
    pa.set({ fault: "http_503" });
    for (let i = 0; i < 3; i++) {
      const r = await runOnce({ fallback: true, maxAttempts: 1 });
      expect(r.res.status).toBe(200);
    }
    expect(pa.requests).toHaveLength(3);
    const skipped = await runOnce({ fallback: true, maxAttempts: 1 });
    expect(skipped.res.status).toBe(200);
    expect(pa.requests).toHaveLength(3); // not called: a dead provider costs nothing more
    expect(skipped.record.attempts).toEqual([attempt("pa:m", "skipped", "circuit_open"), attempt("pb:m", "succeeded", null)]);
    await new Promise((r) => setTimeout(r, 650));
    pa.reset();
    const probed = await runOnce({ fallback: true, maxAttempts: 1 });
    expect(pa.requests).toHaveLength(4);
    expect(probed.record.attempts).toEqual([attempt("pa:m", "succeeded", null)]);
  });

  it("streams that break after their first tokens do not open the breaker: the provider answers", async () => {
    pa.set({ fault: "drop_mid_stream", faultAfterTokens: 2 });
    for (let i = 0; i < 4; i++) expect((await runOnce({ maxAttempts: 1 })).res.status).toBe(500);
    pa.reset();
    const next = await runOnce({ maxAttempts: 1 });
    expect(next.res.status).toBe(200);
    expect(next.record.attempts).toEqual([attempt("pa:m", "succeeded", null)]);
  });

  it("a half-open probe that tells nothing (canceled, or lost) never keeps the breaker open for good", () => {
    for (let i = 0; i < 3; i++) breakerFailed("px", 0);
    expect(breakerAllows("px", 100)).toBe(false); // open: the cool-down (600 ms) runs
    expect(breakerAllows("px", 700)).toBe(true); // the probe
    expect(breakerAllows("px", 701)).toBe(false); // one probe at a time
    breakerReleased("px"); // its client went away: no verdict, the turn goes back
    expect(breakerAllows("px", 702)).toBe(true); // the next call probes
    // That probe is lost (its process never reports): after a cool-down another one goes.
    expect(breakerAllows("px", 1000)).toBe(false);
    expect(breakerAllows("px", 1303)).toBe(true);
    breakerSucceeded("px");
    expect(breakerAllows("px", 1304)).toBe(true);
  });

  describe("over a span (LLM_BREAKER_SPAN_MS)", () => {
    const withSpan = (ms: number) => {
      process.env.LLM_BREAKER_SPAN_MS = String(ms);
      resetEnvForTests();
    };
    afterEach(() => withSpan(0));

    it("failures that end together are one event: calls in flight when the provider broke, then a live provider", async () => {
      withSpan(5000);
      pa.set({ fault: "http_503" });
      const failed = await Promise.all([0, 1, 2, 3].map(() => runOnce({ maxAttempts: 1 })));
      expect(failed.map((r) => r.body.reason)).toEqual(["overloaded", "overloaded", "overloaded", "overloaded"]);
      expect(pa.requests).toHaveLength(4);
      // Four failures in a row, over the threshold of 3, but within the span: the next run still calls the provider.
      pa.reset();
      const next = await runOnce({ maxAttempts: 1 });
      expect(next.res.status).toBe(200);
      expect(next.record.attempts).toEqual([attempt("pa:m", "succeeded", null)]);
      expect(pa.requests).toHaveLength(5);
    });

    it("a dead provider's failures, once they span it, open the breaker; a success in between starts the row again", () => {
      withSpan(300);
      for (let i = 0; i < 9; i++) breakerFailed("py", 0);
      expect(breakerAllows("py", 10)).toBe(true); // nine at one moment: not open
      breakerFailed("py", 299);
      expect(breakerAllows("py", 299)).toBe(true);
      breakerFailed("py", 300); // eleven in a row over 300 ms
      expect(breakerAllows("py", 301)).toBe(false);
      expect(breakerAllows("py", 900)).toBe(true); // the cool-down (600 ms) over: the probe
      breakerSucceeded("py");
      // The row starts again after a success: three more over 200 ms do not open it, the fourth at 300 ms does.
      for (const t of [1000, 1100, 1200]) breakerFailed("py", t);
      expect(breakerAllows("py", 1250)).toBe(true);
      breakerFailed("py", 1300);
      expect(breakerAllows("py", 1301)).toBe(false);
    });
  });

  it("with every provider's breaker open the run fails at once with reason circuit_open", async () => {
    pa.set({ fault: "http_503" });
    for (let i = 0; i < 3; i++) await runOnce({ maxAttempts: 1 });
    const r = await runOnce({ maxAttempts: 1 });
    expect(r.res.status).toBe(500);
    expect(r.body.reason).toBe("circuit_open");
    expect(pa.requests).toHaveLength(3);
    expect(r.record.attempts).toEqual([attempt("pa:m", "skipped", "circuit_open")]);
    expect(r.record.credits_charged).toBe(0);
    await expectLedgerEqualsBalance(r.f.orgId);
  });
});

describe("Server-Timing overhead", () => {
  // The gateway's sequence of phases; an entry marked overlapped (the rate limit's verdict, when the
  // request went on beside it) ran during the others and is not part of it.
  const timings = (res: Response) =>
    Object.fromEntries(
      (res.headers.get("server-timing") ?? "")
        .split(", ")
        .filter((p) => !p.includes('desc="overlapped"'))
        .map((p) => {
          const [name, dur] = p.split(";");
          return [name!, Number(dur!.replace("dur=", ""))];
        }),
    );
  it("is the gateway's own time: the model's wait (300 ms to its first token here) is left out, on /run and /stream", async () => {
    pa.set({ firstTokenDelayMs: 300 });
    const f = await createFixture({ model: "pa:m", template: "Say {{story}}", credits: 1000 });
    for (const path of [`/api/v1/run/${f.workflowId}`, `/api/v1/run/${f.workflowId}/stream`]) {
      const t0 = performance.now();
      const res = await apiRequest(path, { method: "POST", key: f.key, json: { story: "ten words" } });
      const headersAt = performance.now() - t0;
      await res.text();
      const t = timings(res);
      const model = t.model ?? t["first-token"]!;
      expect(model, path).toBeGreaterThanOrEqual(290);
      const ours = ["auth", "ratelimit", "prepare", "start", "dispatch"].reduce((sum, k) => sum + (t[k] ?? 0), 0);
      expect(t.overhead, path).toBeGreaterThanOrEqual(ours - 0.5);
      // Counting the model's wait would put overhead past 300 ms and the whole above 600.
      expect(t.overhead! + model, path).toBeLessThanOrEqual(headersAt + 1);
    }
  });
});
