import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger, sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { grantCredits } from "@/lib/credits/grant-credits";
import { reservedInputTokens } from "@/lib/credits/reservation";
import type { EngineResult } from "@/lib/llm/engine";
import { finishRun } from "@/lib/runs/finish-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { createFixture, preparePublished } from "../support/fixtures";

const result = (inputTokens: number, outputTokens: number, error?: EngineResult["error"]): EngineResult => ({
  text: "x",
  toolCalls: [],
  citations: [],
  usage: { inputTokens, outputTokens },
  usageReported: true,
  finishReason: "stop",
  error,
});

async function begin(credits: number, maxOutputTokens = 50) {
  const f = await createFixture({ credits, maxOutputTokens, template: "{{story}}" });
  const prepared = await preparePublished(f, { story: "hello" });
  return { f, prepared, estimate: reservedInputTokens(prepared.promptText) };
}

describe("credit ledger", () => {
  it("reserve then settle: the unused part comes back, sum(ledger) == balance, settles once", async () => {
    const { f, prepared, estimate } = await begin(1000);
    await grantCredits({ orgId: f.orgId, amount: 100 });
    const run = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
    expect(run.creditsReserved).toBe(estimate + 50);
    expect(run.maxOutputTokens).toBe(50);
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(1100 - run.creditsReserved);
    const first = await finishRun(run, result(3, 27), performance.now());
    const again = await finishRun(run, result(3, 27), performance.now());
    expect(first).toMatchObject({ creditsCharged: 30, finishedHere: true, status: "completed" });
    expect(again.finishedHere).toBe(false);
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(1070);
    expect(await sumLedger(db, f.orgId)).toBe(1070);
    expect((await listLedger(db, { orgId: f.orgId })).map((e) => e.kind).sort()).toEqual(["grant", "grant", "reserve", "settle"]);
    expect(await getRun(db, { orgId: f.orgId, runId: run.id })).toMatchObject({ status: "completed", creditsCharged: 30, totalTokens: 30 });
  });

  it("caps the output by what the balance can reserve, and refuses (402, nothing written) when nothing fits", async () => {
    const probe = await begin(1_000_000);
    const { f, prepared } = await begin(probe.estimate + 7, 1000);
    const run = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
    expect(run).toMatchObject({ creditsReserved: probe.estimate + 7, maxOutputTokens: 7 });
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(0);
    // While that run is in flight its reservation may come back, so another run would wait for it
    // (run-settlement.test.ts); once it has spent everything, nothing can: 402 at once.
    await finishRun(run, result(probe.estimate, 7), performance.now());
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(0);
    await expect(reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId })).rejects.toMatchObject({
      code: "invalid_billing",
      status: 402,
    });
    expect(await listLedger(db, { orgId: f.orgId })).toHaveLength(3); // grant, reserve, settle: the 402 wrote nothing
  });

  it("a settle above the reservation takes only what the balance has, never below zero", async () => {
    const { f, prepared } = await begin(200, 2);
    const run = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
    const done = await finishRun(run, result(1000, 2), performance.now());
    expect(done.creditsCharged).toBe(200);
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(0);
    expect(await sumLedger(db, f.orgId)).toBe(0);
  });

  it("failed runs pay only what was produced; the sweeper releases orphaned reservations", async () => {
    const { f, prepared } = await begin(5000);
    const failed = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
    expect((await finishRun(failed, result(0, 4, { code: "upstream_error", message: "boom" }), performance.now())).creditsCharged).toBe(4);
    const orphan = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(5000 - 4 - orphan.creditsReserved);
    expect(await sweepOrphanedRuns({ olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
    expect(await getRun(db, { orgId: f.orgId, runId: orphan.id })).toMatchObject({
      status: "failed",
      errorCode: "orphaned",
      creditsCharged: 0,
    });
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(4996);
    expect(await sumLedger(db, f.orgId)).toBe(4996);
    // The finisher arriving after the sweeper (its instance was frozen, not dead) is the run's real
    // end: it re-settles the run once, with one adjusting entry; a second finish changes nothing.
    expect(await finishRun(orphan, result(5, 5), performance.now())).toMatchObject({
      status: "completed",
      creditsCharged: 10,
      finishedHere: true,
    });
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(4986);
    expect(await sumLedger(db, f.orgId)).toBe(4986);
    expect((await finishRun(orphan, result(5, 5), performance.now())).finishedHere).toBe(false);
    expect(await sumLedger(db, f.orgId)).toBe(4986);
  });
});
