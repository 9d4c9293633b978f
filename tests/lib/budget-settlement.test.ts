import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { budgetUsage, runs } from "@/db/schema";
import { createBudget } from "@/lib/budgets/manage-budgets";
import { settleUnstarted } from "@/lib/credits/settle";
import { settleQueueStats } from "@/lib/credits/settle-queue";
import type { EngineResult } from "@/lib/llm/engine";
import { finishRun } from "@/lib/runs/finish-run";
import { reserveRun } from "@/lib/runs/reserve-run";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { createFixture, preparePublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// A budget's counter is moved by every settlement path, in the settlement's own statement
// (lib/credits/README.md, "Budgets"): a finisher's (batched by the settle queue, or alone for an
// overshoot), a cancel of a queued run, the sweeper's provisional settlement and the owner's
// re-settlement after it.

const done = (tokens: number, inputTokens = 3): EngineResult => ({
  text: "x ".repeat(tokens),
  toolCalls: [],
  citations: [],
  usage: { inputTokens, outputTokens: tokens },
  usageReported: true,
  finishReason: "stop",
});

async function setup(credits = 1_000_000) {
  const f = await createFixture({ credits, template: "{{story}}", maxOutputTokens: 50 });
  const budget = await createBudget({ orgId: f.orgId, actorId: null }, { scope: "end_user", credits: 100_000, period: "month" });
  const start = async (o: { queued?: boolean; user?: string } = {}) =>
    reserveRun(await preparePublished(f, { story: "a b c" }), {
      source: "api",
      protocol: "json",
      apiKeyId: f.keyId,
      endUser: o.user ?? "dan",
      queued: o.queued,
    });
  const usage = async (subject = "dan") => {
    const rows = await (await getDb()).select().from(budgetUsage).where(eq(budgetUsage.budgetId, budget.id));
    const row = rows.find((r) => r.subject === subject);
    return { used: row?.used ?? 0, spent: row?.spent ?? 0 };
  };
  return { f, budget, start, usage };
}

describe("budget counters on every settlement path", () => {
  it("a finisher gives the unused reservation back and counts the charge; an overshoot is counted whole", async () => {
    const s = await setup();
    const run = await s.start();
    expect(await s.usage()).toEqual({ used: run.creditsReserved, spent: 0 });
    await finishRun(run, done(7), performance.now());
    expect(await s.usage()).toEqual({ used: 10, spent: 10 });
    // More input tokens than reserved (the provider's count): the overshoot goes alone, and counts.
    const big = await s.start();
    const fin = await finishRun(big, done(7, big.creditsReserved + 40), performance.now());
    expect(fin.creditsCharged).toBeGreaterThan(big.creditsReserved);
    expect(await s.usage()).toEqual({ used: 10 + fin.creditsCharged, spent: 10 + fin.creditsCharged });
    await expectLedgerEqualsBalance(s.f.orgId, 1_000_000 - 10 - fin.creditsCharged);
  });

  it("30 finishers at once settle in fewer statements; each counter ends at what was charged", async () => {
    const s = await setup();
    const started = await Promise.all(Array.from({ length: 30 }, (_, i) => s.start({ user: i % 2 ? "dan" : "eve" })));
    const before = settleQueueStats().statements;
    await Promise.all(started.map((r) => finishRun(r, done(7), performance.now())));
    console.info(`[budget settlement] 30 runs settled in ${settleQueueStats().statements - before} statements`);
    expect(await s.usage("dan")).toEqual({ used: 150, spent: 150 });
    expect(await s.usage("eve")).toEqual({ used: 150, spent: 150 });
    await expectLedgerEqualsBalance(s.f.orgId, 1_000_000 - 300);
  });

  it("a queued run canceled before it started gives its whole reservation back", async () => {
    const s = await setup();
    const run = await s.start({ queued: true });
    expect((await s.usage()).used).toBe(run.creditsReserved);
    await settleUnstarted(s.f.orgId, run.id, {
      status: "canceled",
      errorCode: "canceled",
      errorMessage: "Canceled",
      from: "queued",
      latencyMs: null,
    });
    expect(await s.usage()).toEqual({ used: 0, spent: 0 });
    await expectLedgerEqualsBalance(s.f.orgId, 1_000_000);
  });

  it("the sweeper's provisional settlement, then the owner's re-settlement, move the counter by the same amounts as the balance", async () => {
    const s = await setup();
    const run = await s.start();
    const db = await getDb();
    await db
      .update(runs)
      .set({ createdAt: new Date(Date.now() - 3600_000) })
      .where(eq(runs.id, run.id));
    expect(await sweepOrphanedRuns()).toBeGreaterThanOrEqual(1);
    // Never sent: it pays nothing, and the budget holds nothing for it.
    expect(await s.usage()).toEqual({ used: 0, spent: 0 });
    const late = await finishRun(run, done(7), performance.now());
    expect(late).toMatchObject({ creditsCharged: 10, finishedHere: true });
    expect(await s.usage()).toEqual({ used: 10, spent: 10 });
    await expectLedgerEqualsBalance(s.f.orgId, 1_000_000 - 10);
  });
});
