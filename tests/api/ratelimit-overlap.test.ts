import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { runs } from "@/db/schema";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { apiKeyPolicy } from "@/lib/ratelimit/policies";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { openaiClient } from "../support/openai-compat";

// /stream may start a run before the key's rate-limit verdict is in, for a key well under its limit
// (lib/api/route.ts `overlapsRateLimit`, lib/ratelimit/headroom.ts): the verdict is awaited before
// the run is reserved, and a refusal is still the seed's 429 — with nothing written — whatever
// else the request would have been answered. Runs on the in-process limiter and on Redis.

const RATE_LIMITED = { error: "Rate limit exceeded", success: false, code: "rate_limited" };
const stream = (f: { workflowId: string; key: string }, json: unknown, headers: Record<string, string> = {}) =>
  apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json, headers });
const timingOf = (res: Response) => res.headers.get("server-timing") ?? "";
/** Waits until none of the org's runs is still running (a stream's settlement follows its last byte). */
async function settled(orgId: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await (await getDb()).select({ status: runs.status }).from(runs).where(eq(runs.orgId, orgId));
    if (rows.every((r) => r.status !== "running")) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("runs still running");
}

describe("/stream overlaps the rate limit's round trip for a key well under its limit", () => {
  it("the first request waits for its verdict; the next, with headroom, goes on beside it (Server-Timing says so)", async () => {
    const f = await createFixture({ rateLimitPerMinute: 10 });
    const first = await stream(f, { story: "one" });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("one");
    expect(timingOf(first)).toMatch(/(^|, )ratelimit;dur=[\d.]+, /);
    expect(timingOf(first)).not.toContain("overlapped");

    const second = await stream(f, { story: "two" });
    expect(second.status).toBe(200);
    expect(await second.text()).toContain("two");
    expect(timingOf(second)).toMatch(/ratelimit;dur=[\d.]+;desc="overlapped"/);
    expect(second.headers.get("x-ratelimit-limit")).toBe("10");
    expect(second.headers.get("x-ratelimit-remaining")).toBe("8");
  });

  it("a key another instance used up meanwhile: the overlapped request is the seed's 429, and writes no run", async () => {
    const f = await createFixture({ rateLimitPerMinute: 10 });
    expect(await (await stream(f, { story: "one" })).text()).toContain("one");
    await settled(f.orgId);
    const balance = await expectLedgerEqualsBalance(f.orgId);
    // What this instance remembers says 4 more may overlap; the limiter (shared) says none is left.
    for (let i = 0; i < 9; i++) await checkLimit(f.keyId, apiKeyPolicy(10));

    const res = await stream(f, { story: "two" });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject(RATE_LIMITED);
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(timingOf(res)).toContain('desc="overlapped"');
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows).toHaveLength(1);
    await expectLedgerEqualsBalance(f.orgId, balance);

    // A refusal forgets the headroom: the next request waits for its verdict again.
    const next = await stream(f, { story: "three" });
    expect(next.status).toBe(429);
    expect(timingOf(next)).not.toContain("overlapped");
  });

  it("the 429 wins over the answer the request would otherwise get (here a 400 for a missing variable)", async () => {
    const f = await createFixture({ rateLimitPerMinute: 10 });
    expect((await stream(f, { story: "one" })).status).toBe(200);
    for (let i = 0; i < 9; i++) await checkLimit(f.keyId, apiKeyPolicy(10));
    const res = await stream(f, { nothing: "here" });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject(RATE_LIMITED);
  });

  it("not with an Idempotency-Key, nor for a key near its limit", async () => {
    const f = await createFixture({ rateLimitPerMinute: 10 });
    expect((await stream(f, { story: "one" })).status).toBe(200);
    const idem = await stream(f, { story: "two" }, { "idempotency-key": "overlap-test-1" });
    expect(idem.status).toBe(200);
    await idem.text();
    expect(timingOf(idem)).not.toContain("overlapped");

    const near = await createFixture({ rateLimitPerMinute: 2 });
    expect((await stream(near, { story: "one" })).status).toBe(200);
    const second = await stream(near, { story: "two" });
    expect(second.status).toBe(200);
    expect(timingOf(second)).not.toContain("overlapped");
  });

  it("the OpenAI chat completions surface too: streamed with headroom it overlaps; used up elsewhere, the SDK gets its RateLimitError", async () => {
    const f = await createFixture({ rateLimitPerMinute: 10 });
    const c = openaiClient(f.key);
    const ask = (content: string) =>
      c.chat.completions.create({ model: f.workflowId, stream: true, messages: [{ role: "user", content }] }).withResponse();
    const first = await ask("one");
    for await (const chunk of first.data) void chunk;
    expect(first.response.headers.get("server-timing") ?? "").not.toContain("overlapped");
    const second = await ask("two");
    let text = "";
    for await (const chunk of second.data) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toContain("two");
    expect(second.response.headers.get("server-timing") ?? "").toContain('desc="overlapped"');

    for (let i = 0; i < 9; i++) await checkLimit(f.keyId, apiKeyPolicy(10));
    const limited = await ask("three").catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
  });
});
