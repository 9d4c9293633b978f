import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { insertRunsWithReservation, type RunStart } from "@/db/queries/run-ledger";
import { apiKeys, runs } from "@/db/schema";
import { revokeApiKey } from "@/db/queries/api-keys";
import { createBudget } from "@/lib/budgets/manage-budgets";
import { reserveQueueStats } from "@/lib/credits/reserve-queue";
import { newId } from "@/lib/ids";
import { reserveRun } from "@/lib/runs/reserve-run";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// Group commit for reservations (lib/credits/reserve-queue.ts, db/queries/run-ledger.ts
// insertRunsWithReservation): the runs of one org that arrive while its reservation statement is
// in flight go together in the next one. Each must keep the single-run invariants
// (lib/credits/README.md): one `reserve` entry per run, in one statement with the balance.

async function setup(credits: number) {
  const f = await createFixture({ credits, template: "{{story}}", maxOutputTokens: 20 });
  const prepared = await preparePublished(f, { story: "a b c" });
  const start = () => reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId, checkKey: true });
  return { f, start };
}

/** The org's `reserve` entries form one chain of running balances, down from `from`. */
async function expectReserveChain(orgId: string, from: number) {
  const entries = (await listLedger(await getDb(), { orgId, limit: 1000 })).filter((e) => e.kind === "reserve");
  entries.sort((a, b) => b.balanceAfter - a.balanceAfter);
  let running = from;
  for (const e of entries) {
    running += e.amount;
    expect(e.balanceAfter).toBe(running);
  }
  return { entries, running };
}

/** A run start as reserveCredits builds it (20 output tokens at 1,000,000 credits per 1M: 20 credits, plus 5 of input). */
const startOf = (f: { orgId: string; workflowId: string; keyId: string }, o: Partial<RunStart> = {}): RunStart => ({
  runId: newId.run(),
  ledgerId: newId.ledger(),
  orgId: f.orgId,
  workflowId: f.workflowId,
  versionId: null,
  apiKeyId: f.keyId,
  source: "api",
  protocol: "json",
  model: "offline:echo",
  inputs: { story: "a b c" },
  endUser: null,
  sessionId: null,
  inputCost: 5,
  outputPerM: 1_000_000,
  maxOutputTokens: 20,
  prices: {},
  budgetPeriods: { day: "2026-12-05T00:00:00.000Z", month: "2026-12-01T00:00:00.000Z" },
  ...o,
});

describe("reservations in one statement (group commit)", () => {
  it("40 runs of one org at once: fewer statements than runs, each reserved in full once, the ledger one chain", async () => {
    const s = await setup(1_000_000);
    const before = reserveQueueStats();
    const started = await Promise.all(Array.from({ length: 40 }, () => s.start()));
    const after = reserveQueueStats();

    // The first went alone; what arrived while it was in flight went together.
    expect(after.statements - before.statements).toBeGreaterThan(0);
    expect(after.batched - before.batched).toBeGreaterThan(0);
    expect(after.statements - before.statements).toBeLessThan(40);
    const db = await getDb();
    const rows = await db.select().from(runs).where(eq(runs.orgId, s.f.orgId));
    expect(rows).toHaveLength(40);
    for (const r of started) {
      const row = rows.find((x) => x.id === r.id)!;
      expect(row).toMatchObject({ status: "running", creditsReserved: r.creditsReserved, maxOutputTokens: 20 });
      expect(r.creditsReserved).toBe(started[0]!.creditsReserved);
      expect((await listLedger(db, { orgId: s.f.orgId, runId: r.id })).map((e) => e.kind)).toEqual(["reserve"]);
    }
    const { entries, running } = await expectReserveChain(s.f.orgId, 1_000_000);
    expect(entries).toHaveLength(40);
    expect(running).toBe(1_000_000 - 40 * started[0]!.creditsReserved);
    await expectLedgerEqualsBalance(s.f.orgId, running);
  });

  it("a batch reserves the prefix of its runs the balance covers, in order; nothing of the others is written", async () => {
    const f = await createFixture({ credits: 110, template: "{{story}}" });
    const db = await getDb();
    // 25 credits each: four fit (100), the fifth would not; the sixth (6 credits) would fit what is
    // left, but a batch reserves a prefix — it takes the single-run path, as if it had come alone.
    const rs = [startOf(f), startOf(f), startOf(f), startOf(f), startOf(f), startOf(f, { maxOutputTokens: 1 })];
    const r = await insertRunsWithReservation(db, f.orgId, rs);
    expect([...r.reserved.keys()]).toEqual(rs.slice(0, 4).map((x) => x.runId));
    const ledger = (await listLedger(db, { orgId: f.orgId, limit: 100 })).filter((e) => e.kind === "reserve");
    // balance_after is the running balance in the batch's order.
    for (const [i, x] of rs.slice(0, 4).entries())
      expect(ledger.find((e) => e.runId === x.runId)).toMatchObject({ amount: -25, balanceAfter: 110 - 25 * (i + 1) });
    expect(await db.select().from(runs).where(eq(runs.orgId, f.orgId))).toHaveLength(4);
    await expectLedgerEqualsBalance(f.orgId, 10);
  });

  it("through the queue, runs past what the balance covers get the single-run path's answer (here a 402: credits are held)", async () => {
    const probe = await setup(1_000_000);
    const one = (await probe.start()).creditsReserved;
    const f = await createFixture({ credits: 4 * one + Math.floor(one / 2), template: "{{story}}", maxOutputTokens: 20 });
    const prepared = await preparePublished(f, { story: "a b c" });
    // Not waiting for the credits the first runs hold: a 402 at once instead of 10 s later.
    const signal = AbortSignal.abort();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId, signal })),
    );
    const ok = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(ok.map((r) => r.creditsReserved)).toEqual([one, one, one, one]);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "invalid_billing" });
    await expectLedgerEqualsBalance(f.orgId, Math.floor(one / 2));
  });

  it("a run whose key was revoked is left out of the batch before the running sum; the others are reserved", async () => {
    const f = await createFixture({ credits: 1_000, template: "{{story}}" });
    const db = await getDb();
    const [other] = await db.select().from(apiKeys).where(eq(apiKeys.id, f.keyId));
    const { createApiKey } = await import("@/lib/auth/api-keys");
    const revoked = await createApiKey({ orgId: f.orgId });
    await revokeApiKey(db, { orgId: f.orgId, keyId: revoked.id });
    const rs = [
      startOf(f),
      startOf(f, { apiKeyId: revoked.id, checkKey: true }),
      startOf(f, { checkKey: true }),
      startOf({ ...f, keyId: other!.id }),
    ];
    const r = await insertRunsWithReservation(db, f.orgId, rs);
    expect(r.orgRows).toBe(1);
    expect([...r.reserved.keys()].sort()).toEqual([rs[0]!.runId, rs[2]!.runId, rs[3]!.runId].sort());
    for (const v of r.reserved.values()) expect(v).toEqual({ reserved: 25, maxOutputTokens: 20 });
    const ledger = (await listLedger(db, { orgId: f.orgId, limit: 100 })).filter((e) => e.kind === "reserve");
    expect(ledger.map((e) => e.balanceAfter).sort((a, b) => b - a)).toEqual([975, 950, 925]);
    expect(ledger.find((e) => e.runId === rs[1]!.runId)).toBeUndefined();
    expect(await db.select().from(runs).where(eq(runs.id, rs[1]!.runId))).toEqual([]);
    await expectLedgerEqualsBalance(f.orgId, 925);
  });

  it("an org with a budget: the batch writes nothing and says so (its runs reserve one by one, counters locked)", async () => {
    const f = await createFixture({ credits: 1_000, template: "{{story}}" });
    await createBudget({ orgId: f.orgId, actorId: null }, { scope: "org", credits: 500, period: "month" });
    const db = await getDb();
    const r = await insertRunsWithReservation(db, f.orgId, [startOf(f), startOf(f)]);
    expect(r).toEqual({ reserved: new Map(), orgRows: 0 });
    expect(await db.select().from(runs).where(eq(runs.orgId, f.orgId))).toEqual([]);
    await expectLedgerEqualsBalance(f.orgId, 1_000);
  });

  it("a batch one run of which cannot be written fails as a whole; each run is then tried alone and only that one fails", async () => {
    const s = await setup(100_000);
    const first = await s.start();
    // The same chosen id twice at once (two requests racing one Idempotency-Key claim, say):
    // runs.id is unique, so one statement with both fails, and alone one of them wins.
    const prepared = await preparePublished(s.f, { story: "a b c" });
    const id = newId.run();
    const results = await Promise.allSettled([
      s.start(),
      reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: s.f.keyId, runId: id }),
      reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: s.f.keyId, runId: id }),
      s.start(),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected"]);
    const db = await getDb();
    expect(await db.select().from(runs).where(eq(runs.orgId, s.f.orgId))).toHaveLength(4);
    const { running } = await expectReserveChain(s.f.orgId, 100_000);
    expect(running).toBe(100_000 - 4 * first.creditsReserved);
    await expectLedgerEqualsBalance(s.f.orgId, running);
  });
});
