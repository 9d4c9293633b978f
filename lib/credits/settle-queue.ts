import "server-only";
import { getBackgroundDb } from "@/db";
import { queueBudgetAlerts } from "@/db/queries/budget-usage";
import type { BudgetKey } from "@/db/schema";
import { logger } from "@/lib/logger";
import { finalizeRunsWithSettlement, finalizeRunWithSettlement, type RunFinish, type Settled } from "@/db/queries/run-ledger";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { kickJobs } from "@/lib/queue/worker";
import { processSingleton } from "@/lib/process-singleton";

// Group commit for settlements. Every run ends with one settlement statement that locks its org's
// row; under load, statements of one org queue on that lock and each pays its own round trip and
// WAL flush. Here a settlement starts at once when a slot is free (nothing waits for a timer: at
// low load this is the single statement it always was), and the settlements that arrive while
// the slots are busy go together in the next statement (db/queries/run-ledger.ts,
// finalizeRunsWithSettlement): one lock of each org row, one round trip, one commit for the lot.
// Callers still await their own settlement: what a run reports as charged is what was committed.

/** Statements in flight per process: more overlap round trips; fewer batch more. */
const SLOTS = 2;
/** Runs per statement (its JSON parameter stays well under a megabyte for typical outputs). */
const MAX_BATCH = 200;

type Waiter = { f: RunFinish; resolve: (r: Settled | null) => void; reject: (e: unknown) => void };
const state = processSingleton("settle-queue", () => ({ queue: [] as Waiter[], busy: 0, statements: 0, settled: 0 }));

/**
 * Finalizes a running (or queued) run and settles its reservation, exactly once — the semantics
 * of finalizeRunWithSettlement, batched with the other settlements of this process. A run whose
 * cost exceeds its reservation (an overshoot, taken from the balance but never below zero)
 * depends on the balance and goes alone.
 */
export function settleRun(f: RunFinish, reserved: number): Promise<Settled | null> {
  if (f.cost > reserved) return getBackgroundDb().then((db) => finalizeRunWithSettlement(db, f));
  return new Promise((resolve, reject) => {
    state.queue.push({ f, resolve, reject });
    if (state.busy < SLOTS) void pump();
  });
}

/** Statements issued and runs settled through the queue in this process (tests read it). */
export const settleQueueStats = () => ({ statements: state.statements, settled: state.settled });

async function pump() {
  state.busy++;
  try {
    while (state.queue.length) {
      const batch = state.queue.splice(0, MAX_BATCH);
      await settleBatch(batch);
    }
  } finally {
    state.busy--;
  }
}

async function settleBatch(batch: Waiter[]) {
  try {
    const db = await getBackgroundDb();
    state.statements++;
    const settled = await finalizeRunsWithSettlement(
      db,
      batch.map((w) => w.f),
    );
    state.settled += settled.size;
    for (const w of batch) w.resolve(settled.get(w.f.runId) ?? null);
  } catch (e) {
    // The statement failed as a whole (a lost connection, a deadlock, one bad row): nothing of it
    // was written — or, when the connection died after the commit, all of it, and each run below
    // is then found finished and reported as recorded. Each run is settled on its own, so a run
    // that cannot be written fails alone and the others are not held up by it.
    if (batch.length === 1) return batch[0]!.reject(e);
    await Promise.all(
      batch.map(async (w) => {
        try {
          w.resolve(await finalizeRunWithSettlement(await getBackgroundDb(), w.f));
        } catch (err) {
          w.reject(err);
        }
      }),
    );
  }
}

const committedListeners = processSingleton("settlement-listeners", () => new Set<(orgId: string) => void>());

/**
 * Calls `fn` after every settlement this process commits. lib/billing's auto top-up listens here
 * (registered with the job queue at start, lib/server/start-queue.ts): money settles here and
 * knows nothing of purchases, which sit above it.
 */
export function onSettlementCommitted(fn: (orgId: string) => void) {
  committedListeners.add(fn);
}

/**
 * What follows the commit of any settlement (a finisher's, a cancel's, the sweeper's): runs of the
 * org waiting for credits may fit now, a webhook event the statement queued goes out at once
 * rather than at the queue's next poll, and the listeners run (an org with auto top-up on may be
 * due one: claimed off the run's path, charged by the job queue).
 */
export function settlementCommitted(orgId: string, settled: Settled) {
  creditsReleased(orgId);
  if (settled.events) kickJobs();
  if (settled.budgetKeys) budgetsSettled(orgId, settled.budgetKeys);
  for (const fn of committedListeners) fn(orgId);
}

const exhaustedSeen = processSingleton("budgets-exhausted", () => new Set<string>());

/**
 * A budget refused a run (402 budget_exceeded): its counter is exhausted for this period, so every
 * alert threshold up to 100% is due even though what was spent stops short of it (the cap refuses
 * the run that would have reached it). Once per counter per process; the database's uniqueness
 * makes it once in all.
 */
export function budgetExhausted(orgId: string, key: BudgetKey) {
  const id = `${key.b}/${key.p}/${key.s}`;
  if (exhaustedSeen.has(id)) return;
  if (exhaustedSeen.size >= 10_000) exhaustedSeen.clear();
  exhaustedSeen.add(id);
  budgetsSettled(orgId, [key], { exhausted: true });
}

/**
 * A settlement moved budget counters: the alert thresholds they reached are recorded once each,
 * with their job (db/queries/budget-usage.ts, queueBudgetAlerts), off the run's path. A failure
 * here costs no money and loses no alert: the next settlement of that counter looks again.
 */
export function budgetsSettled(orgId: string, keys: BudgetKey[], o: { exhausted?: boolean } = {}) {
  void getBackgroundDb()
    .then((db) => queueBudgetAlerts(db, orgId, keys, o))
    .then((n) => n && kickJobs())
    .catch((e: unknown) => logger.error("budget alerts could not be queued", { orgId, error: String(e) }));
}
