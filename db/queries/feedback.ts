import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { runFeedback, runs } from "../schema";

/** One feedback per run: a second one replaces the first (score, comment and sender). */
export async function upsertFeedback(tx: DbOrTx, values: typeof runFeedback.$inferInsert) {
  const [row] = await tx
    .insert(runFeedback)
    .values(values)
    .onConflictDoUpdate({
      target: runFeedback.runId,
      set: {
        score: values.score,
        comment: values.comment ?? null,
        apiKeyId: values.apiKeyId ?? null,
        endUser: values.endUser ?? null,
        updatedAt: sql`now()`,
      },
    })
    .returning();
  return row!;
}

/**
 * A split's versions side by side: the runs its label assigned (runs.assignment) since `from`, per
 * version — runs, failures, tokens, latency p50/p95, credits, and the feedback they got.
 */
export async function compareSplitVersions(
  tx: DbOrTx,
  { orgId, workflowId, label, from }: { orgId: string; workflowId: string; label: string; from: Date },
) {
  return tx
    .select({
      versionId: runs.versionId,
      runs: sql<number>`count(*)::int`,
      failed: sql<number>`(count(*) filter (where ${runs.status} = 'failed'))::int`,
      tokens: sql<number>`coalesce(sum(${runs.inputTokens} + ${runs.outputTokens}), 0)::int`,
      credits: sql<number>`coalesce(sum(${runs.creditsCharged}), 0)::int`,
      p50: sql<number | null>`percentile_cont(0.5) within group (order by ${runs.latencyMs})`,
      p95: sql<number | null>`percentile_cont(0.95) within group (order by ${runs.latencyMs})`,
      feedback: sql<number>`count(${runFeedback.score})::int`,
      score: sql<number | null>`avg(${runFeedback.score})`,
    })
    .from(runs)
    .leftJoin(runFeedback, eq(runFeedback.runId, runs.id))
    .where(
      and(
        eq(runs.orgId, orgId),
        eq(runs.workflowId, workflowId),
        sql`${runs.assignment}->>'label' = ${label}`,
        sql`${runs.createdAt} >= ${from.toISOString()}`,
      ),
    )
    .groupBy(runs.versionId);
}
