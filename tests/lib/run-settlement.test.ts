import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { getRun } from "@/db/queries/runs";
import { runs } from "@/db/schema";
import { decideShortReservation } from "@/lib/credits/reservation";
import type { EngineResult } from "@/lib/llm/engine";
import { finishRun } from "@/lib/runs/finish-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";

const done = (tokens: number): EngineResult => ({
  text: "x ".repeat(tokens),
  toolCalls: [],
  citations: [],
  usage: { inputTokens: 3, outputTokens: tokens },
  usageReported: true,
  finishReason: "stop",
});

async function startStuckRun(credits: number) {
  const f = await createFixture({ credits, template: "{{story}}" });
  const prepared = await preparePublished(f, { story: "a b c" });
  const run = await reserveRun(prepared, { source: "api", protocol: "json", apiKeyId: f.keyId });
  return { f, run };
}

async function ledgerOf(orgId: string, runId: string) {
  const db = await getDb();
  return (await listLedger(db, { orgId, runId })).map((e) => e.kind).sort();
}

describe("a run settles exactly once", () => {
  it("finishRun called again (a retry) changes nothing and reports what was charged", async () => {
    const { f, run } = await startStuckRun(5000);
    const first = await finishRun(run, done(7), performance.now());
    const again = await finishRun(run, done(7), performance.now());
    expect(first).toMatchObject({ status: "completed", creditsCharged: 10, finishedHere: true });
    expect(again).toMatchObject({ status: "completed", creditsCharged: 10, finishedHere: false });
    expect(await ledgerOf(f.orgId, run.id)).toEqual(["reserve", "settle"]);
    await expectLedgerEqualsBalance(f.orgId, 4990);
  });

  it("concurrent finishers and the sweeper: the finish is recorded once, whoever came first", async () => {
    const { f, run } = await startStuckRun(5000);
    const db = await getDb();
    await db
      .update(runs)
      .set({ createdAt: new Date(Date.now() - 3600_000) })
      .where(eq(runs.id, run.id));
    const [a, b] = await Promise.all([
      finishRun(run, done(7), performance.now()),
      finishRun(run, done(7), performance.now()),
      sweepOrphanedRuns(),
    ]);
    const rec = (await getRun(db, { orgId: f.orgId, runId: run.id }))!;
    // Whoever won, the run's own finish is what stays: when the sweeper claimed it first, the
    // finish re-settles it (lib/credits/README.md, orphans) with one more ledger entry.
    expect(rec).toMatchObject({ status: "completed", creditsCharged: 10 });
    for (const r of [a, b]) expect(r).toMatchObject({ status: "completed", creditsCharged: 10 });
    expect([a, b].filter((r) => r.finishedHere)).toHaveLength(1);
    const kinds = await ledgerOf(f.orgId, run.id);
    expect([
      ["reserve", "settle"],
      ["adjust", "reserve", "settle"],
    ]).toContainEqual([...kinds].sort());
    await expectLedgerEqualsBalance(f.orgId, 4990);
  });
});

describe("orphaned runs", () => {
  it("the sweeper fails a run stuck running and releases its reservation", async () => {
    const { f, run } = await startStuckRun(5000);
    expect(run.creditsReserved).toBeGreaterThan(0);
    await expectLedgerEqualsBalance(f.orgId, 5000 - run.creditsReserved);
    const db = await getDb();
    // Not yet: a run younger than the maximum duration may still be alive in another process.
    await sweepOrphanedRuns();
    expect((await getRun(db, { orgId: f.orgId, runId: run.id }))!.status).toBe("running");

    await db
      .update(runs)
      .set({ createdAt: new Date(Date.now() - 3600_000) })
      .where(eq(runs.id, run.id));
    expect(await sweepOrphanedRuns()).toBeGreaterThanOrEqual(1);
    expect(await getRun(db, { orgId: f.orgId, runId: run.id })).toMatchObject({
      status: "failed",
      errorCode: "orphaned",
      creditsCharged: 0,
    });
    expect(await ledgerOf(f.orgId, run.id)).toEqual(["release", "reserve"]);
    await expectLedgerEqualsBalance(f.orgId, 5000);

    // The process that ran it comes back late (it was frozen, not dead): its finish replaces the
    // sweeper's provisional settlement, once, with one adjusting entry (lib/credits/README.md, 7).
    const late = await finishRun(run, done(7), performance.now());
    expect(late).toMatchObject({ status: "completed", creditsCharged: 10, finishedHere: true });
    expect(await ledgerOf(f.orgId, run.id)).toEqual(["adjust", "release", "reserve"]);
    await expectLedgerEqualsBalance(f.orgId, 4990);
    const again = await finishRun(run, done(7), performance.now());
    expect(again).toMatchObject({ status: "completed", creditsCharged: 10, finishedHere: false });
    expect(await ledgerOf(f.orgId, run.id)).toEqual(["adjust", "release", "reserve"]);
    await expectLedgerEqualsBalance(f.orgId, 4990);
  });

  it("a run waiting for credits held by a stuck run starts once the sweeper releases them", async () => {
    // The stuck run's worst case (1024 output tokens) takes the whole balance.
    const { f, run } = await startStuckRun(600);
    await expectLedgerEqualsBalance(f.orgId, 0);
    const db = await getDb();
    await db
      .update(runs)
      .set({ createdAt: new Date(Date.now() - 3600_000) })
      .where(eq(runs.id, run.id));
    const waiting = apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "a b c" } });
    await new Promise((r) => setTimeout(r, 300));
    await sweepOrphanedRuns();
    const res = await waiting;
    expect(res.status).toBe(200);
    expect((await res.json()).credits_charged).toBe(4); // offline model: "a b c" is 2 tokens in, 2 out
    await expectLedgerEqualsBalance(f.orgId, 596);
  });

  it("402 at once when nothing is in flight to free credits", async () => {
    const f = await createFixture({ credits: 5, template: "{{story}}" });
    const t0 = performance.now();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "a b c" } });
    expect(res.status).toBe(402);
    expect(performance.now() - t0).toBeLessThan(1000);
    await expectLedgerEqualsBalance(f.orgId, 5);
  });
});

describe("decideShortReservation (the worst case does not fit now)", () => {
  // input 10 credits, 1 credit per output token (1M per 1M), up to 100 output tokens: full = 110.
  const base = { inputCost: 10, outputPerM: 1_000_000, maxOutputTokens: 100 };
  it.each([
    { balance: 110, held: 0, out: { grant: 100 } },
    { balance: 50, held: 60, out: "wait" }, // fits once the runs in flight settle
    { balance: 50, held: 0, out: { grant: 40 } }, // genuinely short: output capped
    { balance: 50, held: 20, out: { grant: 40 } },
    { balance: 5, held: 6, out: "wait" }, // not even one token now, but held credits could cover it
    { balance: 10, held: 0, out: "refuse" },
    { balance: 0, held: 0, out: "refuse" },
    { balance: -5, held: 0, out: "refuse" }, // a refund took back spent credits (lib/credits/README.md, Purchases)
    { balance: -5, held: 200, out: "wait" },
  ])("balance $balance, held $held → $out", ({ balance, held, out }) => {
    expect(decideShortReservation({ ...base, balance, held })).toEqual(out);
  });

  // 0.25 credits per output token: 40 credits after the input buy 160 tokens; one token still costs a whole credit.
  it.each([
    { balance: 50, held: 0, out: { grant: 100 } },
    { balance: 30, held: 0, out: { grant: 80 } },
    { balance: 10, held: 0, out: "refuse" },
    { balance: 10, held: 1, out: "wait" },
  ])("fractional price: balance $balance, held $held → $out", ({ balance, held, out }) => {
    expect(decideShortReservation({ ...base, outputPerM: 250_000, balance, held })).toEqual(out);
  });
});
