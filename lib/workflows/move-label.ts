import { getDb } from "@/db";
import { getWorkflowVersion, lockWorkflow } from "@/db/queries/workflows";
import { listLabels } from "@/db/queries/labels";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { kickJobs } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { assertLabelName, LATEST, PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { setLabel } from "./set-label";
import { describeSplit } from "./split-assignment";

/**
 * Points a label (created if new) at an existing version of the workflow, with its history entry
 * and audit entry in the same transaction. Moving `production` changes what the API runs;
 * `latest` belongs to publishing and cannot be moved by hand.
 */
export async function moveLabel({
  orgId,
  workflowId,
  label,
  version,
  actorId,
  rollback = false,
}: {
  orgId: string;
  workflowId: string;
  label: string;
  version: number;
  actorId: string | null;
  rollback?: boolean;
}) {
  assertLabelName(label);
  if (label === LATEST) throw new AppError("invalid_request", "latest follows the newest published version: publish to move it");
  const db = await getDb();
  const out = await db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    if (rollback) {
      // Checked under the lock: a rollback is only ever to something older than what runs now.
      const current = (await listLabels(tx, { orgId, workflowId })).find((l) => l.name === PRODUCTION);
      if (!current)
        throw new AppError(
          "invalid_request",
          "Nothing to roll back: the workflow has no production version (publish, or move production instead)",
        );
      if (version >= current.version)
        throw new AppError("invalid_request", `Rollback needs a version older than the production one (v${current.version})`);
    }
    const v = await getWorkflowVersion(tx, { orgId, workflowId, version });
    if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${version})`);
    const move = await setLabel(tx, { wf, label, to: v, actorId });
    if (move.moved) {
      await recordAudit(tx, {
        orgId,
        actorId,
        action: "label.move",
        targetId: workflowId,
        details: {
          label,
          from_version: move.from,
          to_version: move.to,
          ...(rollback ? { rollback: true } : {}),
          // A move to one version ends a split: the record says which.
          ...(move.fromSplit ? { from_split: describeSplit(move.fromSplit) } : {}),
        },
      });
      await emitWebhookEvent(tx, {
        orgId,
        type: "label.moved",
        data: { workflow_id: workflowId, label, from_version: move.from, to_version: move.to, rollback, moved_by: actorId },
      });
    }
    return { workflow_id: workflowId, ...move };
  });
  if (label === PRODUCTION) forgetPublishedVersion(workflowId);
  kickJobs();
  return out;
}

/** Rollback: `production` back to an older version; the API runs it from the next request. */
export function rollbackProduction({
  orgId,
  workflowId,
  version,
  actorId,
}: {
  orgId: string;
  workflowId: string;
  version: number;
  actorId: string | null;
}) {
  return moveLabel({ orgId, workflowId, label: PRODUCTION, version, actorId, rollback: true });
}
