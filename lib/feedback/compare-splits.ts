import "server-only";
import { getDb } from "@/db";
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
};

/**
 * Every split label of the org with its current arms compared over the runs the label assigned
 * since `from` (an arm with no runs yet shows zeros).
 */
export async function compareSplits(orgId: string, from: Date) {
  const db = await getDb();
  const splits = await listSplitLabels(db, orgId);
  return Promise.all(
    splits.map(async (s) => {
      const rows = await compareSplitVersions(db, { orgId, workflowId: s.workflowId, label: s.label, from });
      const byId = new Map(rows.map((r) => [r.versionId, r]));
      const arms: ArmStats[] = (s.split ?? []).map((a) => statsOf(a.version, a.weight, byId.get(a.version_id)));
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

function statsOf(version: number, weight: number, r: Awaited<ReturnType<typeof compareSplitVersions>>[number] | undefined): ArmStats {
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
