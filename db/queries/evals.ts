import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { evalCases, evalResults, evalRuns, evalSettings } from "../schema";

export async function insertEvalCases(tx: DbOrTx, rows: (typeof evalCases.$inferInsert)[]) {
  if (!rows.length) return [];
  return tx.insert(evalCases).values(rows).returning();
}

export async function countEvalCases(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(evalCases)
    .where(and(eq(evalCases.orgId, orgId), eq(evalCases.workflowId, workflowId)));
  return row?.n ?? 0;
}

/** A workflow's dataset, oldest first (the order an eval runs and the page lists them). */
export async function listEvalCases(tx: DbOrTx, { orgId, workflowId, limit }: { orgId: string; workflowId: string; limit: number }) {
  return tx
    .select()
    .from(evalCases)
    .where(and(eq(evalCases.orgId, orgId), eq(evalCases.workflowId, workflowId)))
    .orderBy(asc(evalCases.createdAt), asc(evalCases.id))
    .limit(limit);
}

export async function deleteEvalCase(tx: DbOrTx, { orgId, workflowId, caseId }: { orgId: string; workflowId: string; caseId: string }) {
  const rows = await tx
    .delete(evalCases)
    .where(and(eq(evalCases.orgId, orgId), eq(evalCases.workflowId, workflowId), eq(evalCases.id, caseId)))
    .returning({ id: evalCases.id });
  return rows.length > 0;
}

export async function insertEvalRun(tx: DbOrTx, values: typeof evalRuns.$inferInsert) {
  const [row] = await tx.insert(evalRuns).values(values).returning();
  return row!;
}

/** A case's result; a second result of the same case (a resumed eval) is ignored. */
export async function insertEvalResult(tx: DbOrTx, values: typeof evalResults.$inferInsert) {
  await tx.insert(evalResults).values(values).onConflictDoNothing();
}

/** A workflow's evals that are queued or running. */
export async function countActiveEvalRuns(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(evalRuns)
    .where(and(eq(evalRuns.orgId, orgId), eq(evalRuns.workflowId, workflowId), inArray(evalRuns.status, ["queued", "running"])));
  return row?.n ?? 0;
}

/** A queued (or resumed) eval run starts: running, with the content hash of what it evaluates. */
export async function markEvalRunning(tx: DbOrTx, { evalRunId, contentHash }: { evalRunId: string; contentHash: string }) {
  await tx.update(evalRuns).set({ status: "running", contentHash }).where(eq(evalRuns.id, evalRunId));
}

/** Totals from the results themselves, in the statement that ends the eval run. */
export async function finishEvalRun(
  tx: DbOrTx,
  { evalRunId, status, error = null }: { evalRunId: string; status: "completed" | "failed"; error?: string | null },
) {
  const [row] = await tx
    .update(evalRuns)
    .set({
      status,
      error,
      finishedAt: new Date(),
      cases: sql`(SELECT count(*) FROM eval_results WHERE eval_run_id = ${evalRunId})::int`,
      passed: sql`(SELECT count(*) FROM eval_results WHERE eval_run_id = ${evalRunId} AND passed)::int`,
      failed: sql`(SELECT count(*) FROM eval_results WHERE eval_run_id = ${evalRunId} AND NOT passed)::int`,
      creditsCharged: sql`(SELECT coalesce(sum(credits_charged), 0) FROM eval_results WHERE eval_run_id = ${evalRunId})::bigint`,
    })
    .where(eq(evalRuns.id, evalRunId))
    .returning();
  return row!;
}

export async function listEvalRuns(tx: DbOrTx, { orgId, workflowId, limit = 20 }: { orgId: string; workflowId: string; limit?: number }) {
  return tx
    .select()
    .from(evalRuns)
    .where(and(eq(evalRuns.orgId, orgId), eq(evalRuns.workflowId, workflowId)))
    .orderBy(desc(evalRuns.createdAt))
    .limit(limit);
}

export async function getEvalRun(tx: DbOrTx, { orgId, evalRunId }: { orgId: string; evalRunId: string }) {
  const [row] = await tx
    .select()
    .from(evalRuns)
    .where(and(eq(evalRuns.orgId, orgId), eq(evalRuns.id, evalRunId)))
    .limit(1);
  return row;
}

export async function listEvalResults(tx: DbOrTx, evalRunId: string) {
  return tx.select().from(evalResults).where(eq(evalResults.evalRunId, evalRunId));
}

/** The newest finished eval of exactly this draft content in which every case passed. */
export async function findPassingDraftEval(
  tx: DbOrTx,
  { orgId, workflowId, contentHash }: { orgId: string; workflowId: string; contentHash: string },
) {
  const [row] = await tx
    .select({ id: evalRuns.id })
    .from(evalRuns)
    .where(
      and(
        eq(evalRuns.orgId, orgId),
        eq(evalRuns.workflowId, workflowId),
        isNull(evalRuns.versionId),
        eq(evalRuns.contentHash, contentHash),
        eq(evalRuns.status, "completed"),
        eq(evalRuns.failed, 0),
        sql`${evalRuns.cases} > 0`,
      ),
    )
    .orderBy(desc(evalRuns.createdAt))
    .limit(1);
  return row;
}

export async function getEvalSettings(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select()
    .from(evalSettings)
    .where(and(eq(evalSettings.orgId, orgId), eq(evalSettings.workflowId, workflowId)))
    .limit(1);
  return row;
}

export async function upsertEvalSettings(tx: DbOrTx, values: { orgId: string; workflowId: string; requirePassingEval: boolean }) {
  await tx
    .insert(evalSettings)
    .values(values)
    .onConflictDoUpdate({ target: evalSettings.workflowId, set: { requirePassingEval: values.requirePassingEval, updatedAt: new Date() } });
}

/** One case of a workflow's dataset (the compare view's judge rubric comes from one). */
export async function getEvalCase(tx: DbOrTx, { orgId, workflowId, caseId }: { orgId: string; workflowId: string; caseId: string }) {
  const [row] = await tx
    .select()
    .from(evalCases)
    .where(and(eq(evalCases.orgId, orgId), eq(evalCases.workflowId, workflowId), eq(evalCases.id, caseId)))
    .limit(1);
  return row;
}

/**
 * The newest completed eval of each of these versions, with its results' checks: the evidence a
 * split comparison shows next to the feedback (lib/feedback/compare-splits.ts).
 */
export async function latestCompletedEvalsOf(tx: DbOrTx, { orgId, versionIds }: { orgId: string; versionIds: string[] }) {
  if (!versionIds.length) return [];
  const runs = await tx
    .selectDistinctOn([evalRuns.versionId])
    .from(evalRuns)
    .where(and(eq(evalRuns.orgId, orgId), inArray(evalRuns.versionId, versionIds), eq(evalRuns.status, "completed")))
    .orderBy(evalRuns.versionId, desc(evalRuns.finishedAt), desc(evalRuns.id));
  if (!runs.length) return [];
  const results = await tx
    .select({ evalRunId: evalResults.evalRunId, checks: evalResults.checks })
    .from(evalResults)
    .where(
      inArray(
        evalResults.evalRunId,
        runs.map((r) => r.id),
      ),
    );
  return runs.map((r) => ({ run: r, checks: results.filter((x) => x.evalRunId === r.id).flatMap((x) => x.checks) }));
}
