import { getDb } from "@/db";
import { getWorkflowVersion, lockWorkflow } from "@/db/queries/workflows";
import { listLabels } from "@/db/queries/labels";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { kickJobs } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { assertLabelName, PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { setLabel } from "./set-label";
import { describeSplit } from "./split-assignment";

/**
 * Ends an A/B split by moving its label wholly to one of its versions (the winner): one audited
 * action, `label.promote`, naming the label, the split it ends, the version it promotes and the
 * actor. Checked under the workflow's lock: the label must still be split, and the version one of
 * its arms (a split changed meanwhile is refused, not silently overwritten by a plain move).
 */
export async function promoteLabel({
  orgId,
  workflowId,
  label,
  version,
  actorId,
}: {
  orgId: string;
  workflowId: string;
  label: string;
  version: number;
  actorId: string | null;
}) {
  assertLabelName(label);
  const db = await getDb();
  const out = await db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    const current = (await listLabels(tx, { orgId, workflowId })).find((l) => l.name === label);
    if (!current) throw new AppError("workflow_not_found", `Workflow not found (no label ${label})`);
    if (!current.split?.length) throw new AppError("invalid_request", `${label} is not split: move it instead`);
    if (!current.split.some((a) => a.version === version)) {
      throw new AppError("invalid_request", `v${version} is not in ${label}'s split (${describeSplit(current.split)})`);
    }
    const v = await getWorkflowVersion(tx, { orgId, workflowId, version });
    if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${version})`);
    const move = await setLabel(tx, { wf, label, to: v, actorId });
    const fromSplit = describeSplit(current.split);
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "label.promote",
      targetId: workflowId,
      details: { label, from_split: fromSplit, from_version: move.from, to_version: version },
    });
    await emitWebhookEvent(tx, {
      orgId,
      type: "label.moved",
      data: { workflow_id: workflowId, label, from_version: move.from, to_version: version, rollback: false, moved_by: actorId },
    });
    return { workflow_id: workflowId, label, from_split: fromSplit, from: move.from, to: version, moved: move.moved };
  });
  if (label === PRODUCTION) forgetPublishedVersion(workflowId);
  kickJobs();
  return out;
}
