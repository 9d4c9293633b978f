import { getDb } from "@/db";
import { getWorkflowVersion, lockWorkflow } from "@/db/queries/workflows";
import { SPLIT_BUCKETS, type SplitArm, type WorkflowVersion } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { assertLabelName, LATEST, PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { describeSplit } from "./split-assignment";
import { setLabel } from "./set-label";

/** A split has 2..MAX_SPLIT_ARMS versions. */
export const MAX_SPLIT_ARMS = 5;

export type SplitWeight = { version: number; percent: number };

/**
 * "3:90,4:10" (version:percent, as the CLI and the dashboard take it) → weights. Percents may have
 * two decimals (the buckets are hundredths of a percent) and must add up to 100.
 */
export function parseSplitSpec(spec: string): SplitWeight[] {
  if (spec.length > 200) throw new AppError("invalid_request", "split: at most 200 characters");
  return spec.split(",").map((part) => {
    const m = /^\s*v?(\d{1,9})\s*[:=]\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$/.exec(part);
    if (!m) throw new AppError("invalid_request", `split: "${part.trim().slice(0, 40)}" is not version:percent (e.g. 3:90,4:10)`);
    return { version: Number(m[1]), percent: Number(m[2]) };
  });
}

/** Weights as buckets, checked: distinct versions, each above 0, summing to exactly 100 %. */
function bucketsOf(weights: SplitWeight[]): { version: number; weight: number }[] {
  if (weights.length < 2 || weights.length > MAX_SPLIT_ARMS) {
    throw new AppError("invalid_request", `A split has 2 to ${MAX_SPLIT_ARMS} versions (one version: move the label instead)`);
  }
  const arms = weights.map((w) => ({ version: w.version, weight: Math.round(w.percent * 100) }));
  if (new Set(arms.map((a) => a.version)).size !== arms.length) throw new AppError("invalid_request", "A split names each version once");
  if (arms.some((a) => !Number.isInteger(a.version) || a.version < 1)) throw new AppError("invalid_request", "Versions are numbers from 1");
  if (arms.some((a) => a.weight <= 0)) throw new AppError("invalid_request", "Each version of a split needs a weight above 0%");
  const total = arms.reduce((n, a) => n + a.weight, 0);
  if (total !== SPLIT_BUCKETS) throw new AppError("invalid_request", `Split weights must add up to 100% (they add up to ${total / 100}%)`);
  return arms.sort((a, b) => a.version - b.version);
}

/**
 * Points a label at several versions with weights (A/B: production v3 90 %, v4 10 %): audited
 * and recorded in the label history like any move, in one transaction under the workflow lock.
 * The label's own version becomes the largest arm (ties: the older version, the incumbent).
 */
export async function splitLabel({
  orgId,
  workflowId,
  label,
  weights,
  actorId,
}: {
  orgId: string;
  workflowId: string;
  label: string;
  weights: SplitWeight[];
  actorId: string | null;
}) {
  assertLabelName(label);
  if (label === LATEST) throw new AppError("invalid_request", "latest follows the newest published version: it cannot be split");
  const arms = bucketsOf(weights);
  const db = await getDb();
  const out = await db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    const versions: WorkflowVersion[] = [];
    for (const a of arms) {
      const v = await getWorkflowVersion(tx, { orgId, workflowId, version: a.version });
      if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${a.version})`);
      versions.push(v);
    }
    const split: SplitArm[] = arms.map((a, i) => ({ version_id: versions[i]!.id, version: a.version, weight: a.weight }));
    const primary = versions[split.indexOf(split.reduce((best, a) => (a.weight > best.weight ? a : best)))]!;
    const move = await setLabel(tx, { wf, label, to: primary, actorId, split });
    if (move.moved) {
      await recordAudit(tx, {
        orgId,
        actorId,
        action: "label.split",
        targetId: workflowId,
        details: {
          label,
          from_version: move.from,
          to_version: move.to,
          from_split: move.fromSplit ? describeSplit(move.fromSplit) : null,
          to_split: describeSplit(split),
        },
      });
    }
    return { workflow_id: workflowId, label, version: move.to, split: describeSplit(split), moved: move.moved };
  });
  if (label === PRODUCTION) forgetPublishedVersion(workflowId);
  return out;
}
