import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { recordRunSteps } from "@/db/queries/run-ledger";
import { getRun, updateRunsProgress } from "@/db/queries/runs";
import { apiKeys, runs, type RunStep } from "@/db/schema";
import { reserveStep } from "@/lib/credits/reserve-step";
import { finishRun } from "@/lib/runs/finish-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// lib/credits/README.md, 12: a multi-step run reserves each next step before it starts, in one
// statement with the balance (one reserve entry per extension), and everything that settles a run
// (its finisher, group commit, the sweeper) settles the grown reservation once.

const PRICE = { input: 1_000_000, output: 1_000_000 }; // the default price: 1 credit per token

async function startRun(credits: number, o: { cap?: number } = {}) {
  const f = await createFixture({ credits, template: "{{story}}", maxOutputTokens: 50 });
  const db = await getDb();
  if (o.cap !== undefined) await db.update(apiKeys).set({ creditCap: o.cap, creditCapPeriod: "total" }).where(eq(apiKeys.id, f.keyId));
  const prepared = await preparePublished(f, { story: "a b c" });
  const run = await reserveRun(prepared, {
    source: "api",
    protocol: "json",
    apiKeyId: f.keyId,
    ...(o.cap !== undefined
      ? { restrictions: { workflowIds: null, allowedOrigins: null, capPeriod: "total" as const, maxCredits: null } }
      : {}),
  });
  return { f, run, db };
}

const step = (n: number, credits: number): RunStep => ({
  step: n,
  model: "offline:echo",
  input_tokens: credits - 2,
  output_tokens: 2,
  credits,
  finish_reason: "tool-calls",
  tool_calls: [],
});

describe("each step of a multi-step run is reserved before it starts", () => {
  it("an extension is one reserve entry; the slack is used first; settlement gives back the rest once; ledger = balance", async () => {
    const { f, run, db } = await startRun(10_000);
    const before = run.creditsReserved;
    // Step 1 cost 20 of its reservation: the slack covers part of step 2's worst case.
    const r = await reserveStep({
      runId: run.id,
      step: 2,
      slack: before - 20,
      reservePrice: PRICE,
      promptText: "x".repeat(400),
      maxOutputTokens: 50,
      steps: [step(1, 20)],
    });
    expect(r).not.toBeNull();
    const worst = 2 * 100 + 8 + 50; // twice the estimate (400 bytes / 4) + 8, plus 50 output tokens
    expect(r!.extra).toBe(worst - (before - 20));
    expect(r!.maxOutputTokens).toBe(50);
    const row = (await getRun(db, { orgId: f.orgId, runId: run.id }))!;
    expect(row.creditsReserved).toBe(before + r!.extra);
    expect(row.steps).toEqual([step(1, 20)]);
    expect(row.sentAt).toBeNull();
    const ledger = await listLedger(db, { orgId: f.orgId, runId: run.id });
    expect(ledger.map((e) => [e.kind, e.idempotencyKey]).sort()).toEqual([
      ["reserve", `reserve:${run.id}`],
      ["reserve", `reserve:${run.id}:2`],
    ]);
    await expectLedgerEqualsBalance(f.orgId, 10_000 - before - r!.extra);

    run.creditsReserved += r!.extra;
    const done = await finishRun(
      run,
      { text: "ok", toolCalls: [], citations: [], usage: { inputTokens: 30, outputTokens: 5 }, usageReported: true, finishReason: "stop" },
      performance.now(),
      { cost: 20 + 35 },
    );
    expect(done.creditsCharged).toBe(55);
    await expectLedgerEqualsBalance(f.orgId, 10_000 - 55);
  });

  it("a step the balance cannot pay is refused and writes nothing", async () => {
    const { f, run, db } = await startRun(300);
    const balance = await expectLedgerEqualsBalance(f.orgId);
    const r = await reserveStep({
      runId: run.id,
      step: 2,
      slack: 0,
      reservePrice: PRICE,
      promptText: "x".repeat(4_000),
      maxOutputTokens: 50,
      steps: [step(1, 10)],
    });
    expect(r).toBeNull();
    expect((await getRun(db, { orgId: f.orgId, runId: run.id }))!.steps).toBeNull();
    await expectLedgerEqualsBalance(f.orgId, balance);
  });

  it("a stream token's max_credits holds for the whole run: a step beyond what is left of it is refused", async () => {
    const { f, run } = await startRun(10_000);
    const balance = await expectLedgerEqualsBalance(f.orgId);
    const args = { runId: run.id, step: 2, slack: 0, reservePrice: PRICE, promptText: "x".repeat(400), maxOutputTokens: 50, steps: [] };
    expect(await reserveStep({ ...args, budget: 208 })).toBeNull(); // the input alone costs 208: no output token fits
    await expectLedgerEqualsBalance(f.orgId, balance);
    expect(await reserveStep({ ...args, budget: 218 })).toMatchObject({ maxOutputTokens: 10, extra: 218 });
  });

  it("a capped key's counter grows with the extension and the cap bounds it", async () => {
    const { f, run, db } = await startRun(100_000, { cap: 700 });
    const used = async () => (await db.select().from(apiKeys).where(eq(apiKeys.id, f.keyId)))[0]!.capUsed;
    expect(await used()).toBe(run.creditsReserved);
    const r = await reserveStep({
      runId: run.id,
      step: 2,
      slack: 0,
      reservePrice: PRICE,
      promptText: "x".repeat(400),
      maxOutputTokens: 50,
      steps: [],
    });
    expect(r!.extra).toBe(258);
    expect(await used()).toBe(run.creditsReserved + 258);
    // What is left of the cap cannot pay a third step of 2,008 input credits.
    const r3 = await reserveStep({
      runId: run.id,
      step: 3,
      slack: 0,
      reservePrice: PRICE,
      promptText: "x".repeat(4_000),
      maxOutputTokens: 50,
      steps: [],
    });
    expect(r3).toBeNull();
  });

  it("the sweeper charges an orphan its recorded steps plus the in-flight step's provable use; a late progress write about an earlier step is dropped", async () => {
    const { f, run, db } = await startRun(10_000);
    const r = await reserveStep({
      runId: run.id,
      step: 2,
      slack: 0,
      reservePrice: PRICE,
      promptText: "x".repeat(400),
      maxOutputTokens: 50,
      steps: [step(1, 30)],
    });
    // A progress tick read before the extension (0 steps recorded) lands after it: dropped.
    await updateRunsProgress(db, [{ id: run.id, output: "old", outputTokens: 9, sent: { inputTokens: 99, model: null }, stepsDone: 0 }]);
    let row = (await getRun(db, { orgId: f.orgId, runId: run.id }))!;
    expect(row.sentAt).toBeNull();
    expect(row.output).not.toBe("old");
    // Step 2's own progress: sent, 12 input tokens (the estimate), 4 output tokens.
    await updateRunsProgress(db, [
      { id: run.id, output: "step two", outputTokens: 4, sent: { inputTokens: 12, model: null }, stepsDone: 1 },
    ]);
    await db
      .update(runs)
      .set({ createdAt: sql`now() - interval '1 hour'` })
      .where(eq(runs.id, run.id));
    expect(await sweepOrphanedRuns()).toBeGreaterThanOrEqual(1);
    row = (await getRun(db, { orgId: f.orgId, runId: run.id }))!;
    expect(row).toMatchObject({ status: "failed", errorCode: "orphaned", creditsCharged: 30 + 12 + 4 });
    await expectLedgerEqualsBalance(f.orgId, 10_000 - 46);
    expect(r).not.toBeNull();
  });

  it("recorded before its settlement, a finished run's steps are not charged twice by a sweeper that claims it first", async () => {
    const { f, run, db } = await startRun(10_000);
    await updateRunsProgress(db, [{ id: run.id, output: "done", outputTokens: 5, sent: { inputTokens: 7, model: null }, stepsDone: 0 }]);
    await recordRunSteps(db, { runId: run.id, steps: [step(1, 12)], stopReason: "stop" });
    await db
      .update(runs)
      .set({ createdAt: sql`now() - interval '1 hour'` })
      .where(eq(runs.id, run.id));
    await sweepOrphanedRuns();
    const row = (await getRun(db, { orgId: f.orgId, runId: run.id }))!;
    expect(row.creditsCharged).toBe(12);
    await expectLedgerEqualsBalance(f.orgId, 10_000 - 12);
  });
});
