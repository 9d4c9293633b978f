import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { holdAdmission, trackRun } from "@/lib/runs/in-flight";
import { drain, resetDrainForTests } from "@/lib/server/drain";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Graceful shutdown (README, Architecture: many instances; docs/deploy.md): what SIGTERM does to an instance, minus the exit (lib/server/boot.ts).

afterEach(async () => {
  resetDrainForTests();
  (await upstream()).reset();
});

const sseStream = (f: { workflowId: string; key: string }) =>
  apiRequest(`/api/v1/run/${f.workflowId}/stream?protocol=sse`, { method: "POST", key: f.key, json: { story: "x" } });

describe("draining", () => {
  it("health is 503 draining, new runs get 503 with Retry-After, and a stream in flight finishes within the grace period", async () => {
    const fake = await upstream();
    fake.set({ tokens: 10, tokenDelayMs: 30 });
    const f = await createFixture({ model: "openai.chat:m" });
    const res = await sseStream(f);
    expect(res.status).toBe(200);
    const body = res.text();
    const drained = drain(10_000);
    const health = await apiRequest("/api/health");
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, draining: true });
    const refused = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({
      success: false,
      code: "service_unavailable",
      error: "This instance is shutting down: retry the request",
    });
    // (Runs other test files left going in this process drain too: at least ours.)
    const r = await drained;
    expect(r.canceled).toBe(0);
    expect(r.finished).toBeGreaterThanOrEqual(1);
    const text = await body;
    expect(text).toContain('"status":"completed"');
    const db = await getDb();
    const org = (await getOrg(db, f.orgId))!;
    expect(await sumLedger(db, f.orgId)).toBe(org.creditBalance);
  });

  it("past the grace period a run is canceled: its stream gets the terminal event, the run is settled", async () => {
    const fake = await upstream();
    fake.set({ tokens: 1000, tokenDelayMs: 20 });
    const f = await createFixture({ model: "openai.chat:m" });
    const res = await sseStream(f);
    const runId = res.headers.get("x-run-id")!;
    const body = res.text();
    await new Promise((r) => setTimeout(r, 200));
    expect((await drain(300)).canceled).toBeGreaterThanOrEqual(1);
    const text = await body;
    expect(text).toMatch(/event: done\ndata: \{[^\n]*"status":"canceled"/);
    const db = await getDb();
    const run = (await getRun(db, { orgId: f.orgId, runId }))!;
    expect(run.status).toBe("canceled");
    expect(run.outputTokens).toBeGreaterThan(0);
    expect(run.creditsCharged).toBeGreaterThan(0);
    const org = (await getOrg(db, f.orgId))!;
    expect(await sumLedger(db, f.orgId)).toBe(org.creditBalance);
  });

  it("a request admitted before the drain began, whose run is tracked after it, is waited for (a rolling restart must not cut it)", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Past the draining check, still reserving (lib/runs/open-run.ts admitRun) when the SIGTERM comes.
    const release = holdAdmission();
    const drained = drain(5_000);
    await sleep(50);
    let finished = false;
    trackRun(sleep(200).then(() => (finished = true)));
    release();
    // And a run tracked while another is in flight (no hold): the drain waits for both.
    let lateFinished = false;
    void sleep(100).then(() => trackRun(sleep(300).then(() => (lateFinished = true))));
    const r = await drained;
    expect(finished).toBe(true);
    expect(lateFinished).toBe(true);
    expect(r.canceled).toBe(0);
  });
});
