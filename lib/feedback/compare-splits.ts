import "server-only";
import { getDb } from "@/db";
import { latestCompletedEvalsOf } from "@/db/queries/evals";
import { compareSplitVersions } from "@/db/queries/feedback";
import { listSplitLabels } from "@/db/queries/labels";
import { describeSplit } from "@/lib/workflows/split-assignment";

export type ArmStats = {
  version: number;
  weight: number;
  runs: number;
  failureRate: number | null;
  avgTokens: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  credits: number;
  feedback: number;
  score: number | null;
  /** The judge's evidence: from the version's newest completed eval (null: none yet). */
  judge: JudgeStats | null;
};

/**
 * A version's judge scores, from its newest completed eval run (README "Datasets and evals"): the
 * mean score of its judge checks and how many passed. Eval runs, not judged samples of live
 * traffic: every arm is graded on the same cases with the same rubrics, so the scores compare.
 */
export type JudgeStats = {
  evalRunId: string;
  finishedAt: string | null;
  /** Judge checks with a score (a judge that failed to answer has none). */
  judged: number;
  meanScore: number | null;
  /** Judge checks that passed (scored at least their pass_score), of all judge checks. */
  passed: number;
  checks: number;
  /** The eval's cases that passed every check, of its cases. */
  casesPassed: number;
  cases: number;
};

/**
 * Every split label of the org with its current arms compared over the runs the label assigned
 * since `from` (an arm with no runs yet shows zeros); `workflowId`: only that workflow's (its page).
 */
export async function compareSplits(orgId: string, from: Date, workflowId?: string) {
  const db = await getDb();
  const splits = (await listSplitLabels(db, orgId)).filter((s) => !workflowId || s.workflowId === workflowId);
  return Promise.all(
    splits.map(async (s) => {
      const rows = await compareSplitVersions(db, { orgId, workflowId: s.workflowId, label: s.label, from });
      const byId = new Map(rows.map((r) => [r.versionId, r]));
      const evals = await latestCompletedEvalsOf(db, { orgId, versionIds: (s.split ?? []).map((a) => a.version_id) });
      const judgeOf = new Map(evals.map((e) => [e.run.versionId, judgeStatsOf(e)]));
      const arms: ArmStats[] = (s.split ?? []).map((a) => ({
        ...statsOf(a.version, a.weight, byId.get(a.version_id)),
        judge: judgeOf.get(a.version_id) ?? null,
      }));
      return {
        workflowId: s.workflowId,
        workflowName: s.workflowName,
        label: s.label,
        split: describeSplit(s.split ?? []),
        since: s.updatedAt,
        arms,
      };
    }),
  );
}

function judgeStatsOf({ run, checks }: Awaited<ReturnType<typeof latestCompletedEvalsOf>>[number]): JudgeStats {
  const judges = checks.filter((c) => c.type === "judge");
  const scores = judges.flatMap((c) => (typeof c.score === "number" ? [c.score] : []));
  return {
    evalRunId: run.id,
    finishedAt: run.finishedAt?.toISOString() ?? null,
    judged: scores.length,
    meanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    passed: judges.filter((c) => c.ok).length,
    checks: judges.length,
    casesPassed: run.passed,
    cases: run.cases,
  };
}

function statsOf(
  version: number,
  weight: number,
  r: Awaited<ReturnType<typeof compareSplitVersions>>[number] | undefined,
): Omit<ArmStats, "judge"> {
  if (!r)
    return { version, weight, runs: 0, failureRate: null, avgTokens: null, p50Ms: null, p95Ms: null, credits: 0, feedback: 0, score: null };
  const num = (x: number | string | null) => (x === null ? null : Number(x));
  return {
    version,
    weight,
    runs: r.runs,
    failureRate: r.failed / r.runs,
    avgTokens: r.tokens / r.runs,
    p50Ms: num(r.p50),
    p95Ms: num(r.p95),
    credits: r.credits,
    feedback: r.feedback,
    score: num(r.score),
  };
}
