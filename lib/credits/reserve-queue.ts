import "server-only";
import { getDb } from "@/db";
import { insertRunsWithReservation, insertRunWithReservation, type Refused, type Reserved, type RunStart } from "@/db/queries/run-ledger";
import { processSingleton } from "@/lib/process-singleton";

// Group commit for the reservation's hot path, the twin of settle-queue.ts. Every run starts with
// a statement that locks its org's row; under load the statements of one org queue on that lock,
// and PostgreSQL re-checks each waiter's whole plan once the row it waited for has moved
// (EvalPlanQual), and flushes the WAL once per run: most of the database's CPU per run
// (bench/README.md, round 9). Here an org's reservation starts at once when none of the org's is
// in flight on this instance (at low load: the single statement it always was), and those that
// arrive meanwhile go together in the next statement (insertRunsWithReservation): one lock of the
// org row, one round trip, one commit for the lot. Each caller still gets its own answer.

/** Runs per statement, and characters of their inputs (an image input can be megabytes): the statement's parameter stays small. */
const MAX_BATCH = 100;
const MAX_BATCH_CHARS = 1_000_000;
/** An org with a budget reserves run by run (its counters are per run); asked again after this. */
const BUDGETED_TTL_MS = 60_000;

type Waiter = { r: RunStart; resolve: (r: Reserved | Refused) => void; reject: (e: unknown) => void };
type OrgQueue = { waiting: Waiter[]; busy: boolean };
const state = processSingleton("reserve-queue", () => ({
  orgs: new Map<string, OrgQueue>(),
  budgeted: new Map<string, number>(),
  statements: 0,
  batched: 0,
}));

/**
 * insertRunWithReservation with minOutputTokens = maxOutputTokens (reserve the full worst case or
 * write nothing), batched with the other reservations of the same org in this process. A run on a
 * capped key, or of an org with a budget, goes alone: its counters are locked per run.
 */
export function reserveInFull(r: RunStart): Promise<Reserved | Refused> {
  const full = { ...r, minOutputTokens: r.maxOutputTokens };
  const budgetedUntil = state.budgeted.get(r.orgId);
  if (r.keyCap || (budgetedUntil !== undefined && budgetedUntil > Date.now())) return single(full);
  return new Promise((resolve, reject) => {
    let q = state.orgs.get(r.orgId);
    if (!q) state.orgs.set(r.orgId, (q = { waiting: [], busy: false }));
    q.waiting.push({ r: full, resolve, reject });
    if (!q.busy) void pump(r.orgId, q);
  });
}

/** Statements issued and runs reserved through the queue in this process (tests read it). */
export const reserveQueueStats = () => ({ statements: state.statements, batched: state.batched });

async function single(r: RunStart) {
  return insertRunWithReservation(await getDb(), r);
}

async function pump(orgId: string, q: OrgQueue) {
  q.busy = true;
  try {
    while (q.waiting.length) await reserveBatch(orgId, q.waiting.splice(0, batchSize(q.waiting)));
  } finally {
    q.busy = false;
    if (state.orgs.get(orgId) === q && !q.waiting.length) state.orgs.delete(orgId);
  }
}

/** How many of the waiting runs go in the next statement: at least one, within both bounds. */
function batchSize(waiting: Waiter[]) {
  let chars = 0;
  for (let n = 0; n < Math.min(waiting.length, MAX_BATCH); n++) {
    for (const v of Object.values(waiting[n]!.r.inputs)) chars += v.length;
    if (n > 0 && chars > MAX_BATCH_CHARS) return n;
  }
  return Math.min(waiting.length, MAX_BATCH);
}

async function reserveBatch(orgId: string, batch: Waiter[]) {
  // One run alone is the single statement: it decides a refusal itself (and counts the budgets).
  if (batch.length === 1) return settle(batch[0]!, () => single(batch[0]!.r));
  let result: Awaited<ReturnType<typeof insertRunsWithReservation>>;
  try {
    state.statements++;
    result = await insertRunsWithReservation(
      await getDb(),
      orgId,
      batch.map((w) => w.r),
    );
  } catch {
    // The statement failed as a whole (a lost connection, one bad row): nothing of it was written
    // — or, when the connection died after the commit, all of it, and a run's own attempt below
    // then fails on its id. Each run is tried on its own, so one that cannot be written fails alone.
    return Promise.all(batch.map((w) => settle(w, () => single(w.r))));
  }
  if (result.orgRows === 0) state.budgeted.set(orgId, Date.now() + BUDGETED_TTL_MS);
  if (state.budgeted.size > 10_000) state.budgeted.clear();
  state.batched += result.reserved.size;
  // The runs the batch did not reserve (a short balance, a budget, a revoked key) take the
  // single-run statement: it refuses them or tells the caller why, as it would have alone.
  await Promise.all(
    batch.map((w) => {
      const done = result.reserved.get(w.r.runId);
      return done ? w.resolve(done) : settle(w, () => single(w.r));
    }),
  );
}

async function settle(w: Waiter, fn: () => Promise<Reserved | Refused>) {
  try {
    w.resolve(await fn());
  } catch (e) {
    w.reject(e);
  }
}
