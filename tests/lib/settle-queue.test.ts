import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger, sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import type { RunFinish } from "@/db/queries/run-ledger";
import { apiKeys, runs } from "@/db/schema";
import type { KeyRestrictions } from "@/lib/auth/api-keys";
import { newId } from "@/lib/ids";
import type { EngineResult } from "@/lib/llm/engine";
import { finishRun } from "@/lib/runs/finish-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { settleQueueStats, settleRun } from "@/lib/credits/settle-queue";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// Group commit (lib/credits/settle-queue.ts): settlements that arrive while a statement is in flight
// go together in the next one. Each must keep the single-run invariants (lib/credits/README.md).

const done = (out: number): EngineResult => ({
  text: "y ".repeat(out),
  toolCalls: [],
  citations: [],
  usage: { inputTokens: 3, outputTokens: out },
  usageReported: true,
  finishReason: "stop",
});
const capped: KeyRestrictions = { workflowIds: null, allowedOrigins: null, capPeriod: "total", maxCredits: null };

async function startRuns(n: number, credits: number, opts: { cap?: number } = {}) {
  const f = await createFixture({ credits, template: "{{story}}", maxOutputTokens: 20 });
  const db = await getDb();
  if (opts.cap) await db.update(apiKeys).set({ creditCap: opts.cap, creditCapPeriod: "total" }).where(eq(apiKeys.id, f.keyId));
  const prepared = await preparePublished(f, { story: "a b c" });
  const started = [];
  for (let i = 0; i < n; i++) {
    started.push(
      await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId, restrictions: opts.cap ? capped : undefined }),
    );
  }
  return { f, started };
}

/** sum(ledger) == balance, and the org's settle/release entries form one chain of running balances. */
async function expectChain(orgId: string, before: number) {
  const db = await getDb();
  const balance = (await getOrg(db, orgId))!.creditBalance;
  expect(await sumLedger(db, orgId)).toBe(balance);
  const back = (await listLedger(db, { orgId, limit: 1000 })).filter((e) => e.kind === "settle" || e.kind === "release");
  back.sort((a, b) => a.balanceAfter - b.balanceAfter);
  let running = before;
  for (const e of back) {
    running += e.amount;
    expect(e.balanceAfter).toBe(running);
  }
  expect(running).toBe(balance);
}

describe("settlements in one statement (group commit)", () => {
  it("30 runs of two orgs (one on a capped key) settle in fewer statements, each exactly once, ledger chained", async () => {
    const a = await startRuns(15, 100_000);
    const b = await startRuns(15, 100_000, { cap: 5_000 });
    const db = await getDb();
    const balanceA = (await getOrg(db, a.f.orgId))!.creditBalance;
    const balanceB = (await getOrg(db, b.f.orgId))!.creditBalance;
    const before = settleQueueStats();
    const all = [...a.started, ...b.started];
    const finished = await Promise.all(all.map((run, i) => finishRun(run, done(1 + (i % 7)), performance.now())));
    const after = settleQueueStats();

    expect(after.settled - before.settled).toBe(30);
    // Two slots start at once; what arrived meanwhile went together.
    expect(after.statements - before.statements).toBeLessThan(30);
    for (const [i, r] of finished.entries()) {
      expect(r).toMatchObject({ finishedHere: true, status: "completed", creditsCharged: 3 + 1 + (i % 7) });
      const rec = (await getRun(db, { orgId: i < 15 ? a.f.orgId : b.f.orgId, runId: r.id }))!;
      expect(rec).toMatchObject({ status: "completed", creditsCharged: r.creditsCharged, outputTokens: 1 + (i % 7) });
      expect((await listLedger(db, { orgId: rec.orgId, runId: r.id })).map((e) => e.kind).sort()).toEqual(["reserve", "settle"]);
    }
    await expectChain(a.f.orgId, balanceA);
    await expectChain(b.f.orgId, balanceB);
    // The capped key holds exactly what its runs spent once its runs are settled.
    const spentB = finished.slice(15).reduce((s, r) => s + r.creditsCharged, 0);
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, b.f.keyId));
    expect(key!.capUsed).toBe(spentB);
    // A second settlement of any of them changes nothing.
    const again = await Promise.all(all.slice(0, 5).map((run) => finishRun(run, done(3), performance.now())));
    for (const r of again) expect(r.finishedHere).toBe(false);
    await expectChain(a.f.orgId, balanceA);
  });

  it("a run finished elsewhere in the meantime is skipped; the rest of its batch settles", async () => {
    const { f, started } = await startRuns(6, 100_000);
    const db = await getDb();
    // Another finisher (say a cancel) got to the last one first.
    await db.update(runs).set({ status: "canceled" }).where(eq(runs.id, started[5]!.id));
    const out = await Promise.all(started.map((run) => finishRun(run, done(2), performance.now())));
    expect(out.slice(0, 5).every((r) => r.finishedHere && r.creditsCharged === 5)).toBe(true);
    expect(out[5]).toMatchObject({ finishedHere: false, status: "canceled" });
    expect(await listLedger(db, { orgId: f.orgId, runId: started[5]!.id })).toHaveLength(1); // its reservation only
  });

  it("a batch whose statement fails is settled run by run: only the bad run fails", async () => {
    const { f, started } = await startRuns(5, 100_000);
    const db = await getDb();
    const finish = (i: number, ledgerId = newId.ledger()): RunFinish => ({
      runId: started[i]!.id,
      ledgerId,
      status: "completed",
      cost: 4,
      output: "ok",
      citations: [],
      inputTokens: 3,
      outputTokens: 1,
      errorCode: null,
      errorMessage: null,
      firstTokenMs: 1,
      latencyMs: 2,
    });
    const shared = newId.ledger();
    // Two start at once (the slots); the last three arrive while they run and share a statement,
    // in which two ledger rows collide on their id: the statement fails, nothing of it is written.
    const results = await Promise.allSettled([
      settleRun(finish(0), started[0]!.creditsReserved),
      settleRun(finish(1), started[1]!.creditsReserved),
      settleRun(finish(2, shared), started[2]!.creditsReserved),
      settleRun(finish(3, shared), started[3]!.creditsReserved),
      settleRun(finish(4), started[4]!.creditsReserved),
    ]);
    // Settled one by one, the two runs race for the shared id: one of them gets it.
    const rejected = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
    expect(rejected.length).toBe(1);
    expect([2, 3]).toContain(rejected[0]);
    for (const [i, run] of started.entries()) {
      expect((await getRun(db, { orgId: f.orgId, runId: run.id }))!.status).toBe(i === rejected[0] ? "running" : "completed");
    }
    await expectLedgerEqualsBalance(f.orgId);
  });
});
