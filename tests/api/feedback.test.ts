import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { runFeedback, runs } from "@/db/schema";
import { compareSplits } from "@/lib/feedback/compare-splits";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { createFixture, createVersionedFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// POST /api/v1/runs/:id/feedback (README, Splits (A/B)) and the split comparison it feeds.

const tokenFor = async (key: string, user?: string) =>
  (await (await apiRequest(`/api/v1/token${user ? `?user=${encodeURIComponent(user)}` : ""}`, { key })).json()).token as string;

async function runAs(f: { workflowId: string; key: string }, user?: string) {
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, {
    method: "POST",
    key: f.key,
    json: { story: "x", ...(user ? { user } : {}) },
  });
  return (await res.json()).run_id as string;
}

const feedback = (runId: string, json: unknown, auth: { key?: string; token?: string }) =>
  apiRequest(`/api/v1/runs/${runId}/feedback${auth.token ? `?token=${auth.token}` : ""}`, { method: "POST", key: auth.key, json });

describe("POST /api/v1/runs/:id/feedback", () => {
  it("the key scores a run; sending again replaces it; the stored row names the sender", async () => {
    const f = await createFixture();
    const runId = await runAs(f, "alice");
    const first = await feedback(runId, { score: 1, comment: "great" }, { key: f.key });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ success: true, run_id: runId, score: 1, comment: "great" });
    const second = await feedback(runId, { score: -0.5 }, { key: f.key });
    expect(await second.json()).toMatchObject({ score: -0.5, comment: null });
    const rows = await (await getDb()).select().from(runFeedback).where(eq(runFeedback.runId, runId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ score: -0.5, comment: null, apiKeyId: f.keyId, workflowId: f.workflowId, orgId: f.orgId });
  });

  it("a stream token of the run's own end user may score it (CORS-open); another end user's, or none, is 404", async () => {
    const f = await createFixture();
    const runId = await runAs(f, "alice");
    const own = await feedback(runId, { score: 1 }, { token: await tokenFor(f.key, "alice") });
    expect(own.status).toBe(200);
    expect(own.headers.get("access-control-allow-origin")).toBe("*");
    for (const token of [await tokenFor(f.key, "mallory"), await tokenFor(f.key)]) {
      const res = await feedback(runId, { score: -1 }, { token });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ success: false, code: "run_not_found", error: "Run not found" });
    }
    // Another key of the same org, minting for alice: not the key that ran it.
    const g = await createFixture();
    expect((await feedback(runId, { score: -1 }, { token: await tokenFor(g.key, "alice") })).status).toBe(404);
    const [row] = await (await getDb()).select().from(runFeedback).where(eq(runFeedback.runId, runId));
    expect(row).toMatchObject({ score: 1, endUser: "alice" });
  });

  it.each([
    { name: "another org's run", status: 404, code: "run_not_found", other: true, body: { score: 1 } },
    { name: "an unknown run", status: 404, code: "run_not_found", runId: "run_000000000000000000000000", body: { score: 1 } },
    { name: "a malformed run id", status: 404, code: "run_not_found", runId: "nope", body: { score: 1 } },
    { name: "score above 1", status: 400, code: "invalid_request", body: { score: 2 } },
    { name: "score below -1", status: 400, code: "invalid_request", body: { score: -1.5 } },
    { name: "no score", status: 400, code: "invalid_request", body: { comment: "x" } },
    { name: "a string score", status: 400, code: "invalid_request", body: { score: "1" } },
    { name: "a comment over 2000 characters", status: 400, code: "invalid_request", body: { score: 1, comment: "x".repeat(2001) } },
    { name: "a NUL in the comment", status: 400, code: "invalid_request", body: { score: 1, comment: "a\u0000b" } },
    { name: "an unknown field", status: 400, code: "invalid_request", body: { score: 1, rating: 5 } },
  ])("$name → $status $code", async ({ status, code, other, runId, body }) => {
    const f = await createFixture();
    const id = runId ?? (await runAs(f, "alice"));
    const caller = other ? await createFixture() : f;
    const res = await feedback(id, body, { key: caller.key });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ success: false, code });
  });

  it("without a credential → 401", async () => {
    const f = await createFixture();
    const res = await feedback(await runAs(f), { score: 1 }, {});
    expect(res.status).toBe(401);
  });
});

describe("the split comparison", () => {
  it("compares a split's versions: runs, failure rate, tokens, latency, credits, feedback", async () => {
    const f = await createVersionedFixture(2);
    const db = await getDb();
    await splitLabel({
      orgId: f.orgId,
      workflowId: f.workflowId,
      label: "production",
      weights: parseSplitSpec("1:50,2:50"),
      actorId: null,
    });
    const byVersion: Record<string, string[]> = { v1: [], v2: [] };
    for (let u = 0; u < 16; u++) {
      const runId = await runAs(f, `user-${u}`);
      const rec = await (await apiRequest(`/api/v1/runs/${runId}`, { key: f.key })).json();
      byVersion[rec.result.startsWith("v2") ? "v2" : "v1"]!.push(runId);
    }
    expect(byVersion.v1!.length).toBeGreaterThan(0);
    expect(byVersion.v2!.length).toBeGreaterThan(0);
    // Unassigned runs (a pin) do not count.
    await apiRequest(`/api/v1/run/${f.workflowId}?version=1`, { method: "POST", key: f.key, json: { story: "x" } });
    await feedback(byVersion.v1![0]!, { score: 1 }, { key: f.key });
    await feedback(byVersion.v2![0]!, { score: -1 }, { key: f.key });
    if (byVersion.v2![1]) await feedback(byVersion.v2![1]!, { score: 0 }, { key: f.key });
    await db.update(runs).set({ status: "failed" }).where(eq(runs.id, byVersion.v2![0]!));

    const [cmp] = (await compareSplits(f.orgId, new Date(Date.now() - 3600_000))).filter((s) => s.workflowId === f.workflowId);
    expect(cmp).toMatchObject({ label: "production", split: "v1 50% / v2 50%" });
    const [a1, a2] = cmp!.arms;
    const all = await db.select().from(runs).where(eq(runs.workflowId, f.workflowId));
    const tokensOf = (ids: string[]) => all.filter((r) => ids.includes(r.id)).reduce((n, r) => n + r.inputTokens + r.outputTokens, 0);
    const creditsOf = (ids: string[]) => all.filter((r) => ids.includes(r.id)).reduce((n, r) => n + r.creditsCharged, 0);
    expect(a1).toMatchObject({
      version: 1,
      weight: 5000,
      runs: byVersion.v1!.length,
      failureRate: 0,
      feedback: 1,
      score: 1,
      credits: creditsOf(byVersion.v1!),
    });
    expect(a2).toMatchObject({
      version: 2,
      runs: byVersion.v2!.length,
      failureRate: 1 / byVersion.v2!.length,
      feedback: byVersion.v2![1] ? 2 : 1,
      score: byVersion.v2![1] ? -0.5 : -1,
      credits: creditsOf(byVersion.v2!),
    });
    expect(a1!.avgTokens).toBeCloseTo(tokensOf(byVersion.v1!) / byVersion.v1!.length);
    expect(a2!.avgTokens).toBeCloseTo(tokensOf(byVersion.v2!) / byVersion.v2!.length);
    expect(a1!.p50Ms).not.toBeNull();
    expect(a1!.p95Ms!).toBeGreaterThanOrEqual(a1!.p50Ms!);
    // Another org sees none of it.
    const other = await createFixture();
    expect(await compareSplits(other.orgId, new Date(0))).toEqual([]);
  });
});
