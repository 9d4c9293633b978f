import { getDb, type DbOrTx } from "@/db";
import { latestAuditEntryFor } from "@/db/queries/audit";
import { getWorkflow, getWorkflowVersion, lockWorkflow, updateWorkflow } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { contentOf } from "./content-of";
import { applyEndUserRateLimit, assertEndUserRateLimit, endUserRateLimitChanged } from "./end-user-rate-limit";
import { removeProduction } from "./remove-production";
import { draftPatch, type DraftPatch } from "./schemas";
import { sealToolHeaders } from "./tool-secrets";
import { assertValidTemplate } from "./template";

/**
 * A draft save's audit entry, `workflow.update`, naming the fields it changed. The dashboard's
 * editor autosaves every few seconds: saves by the same actor within this long of their last one,
 * with nothing else recorded on the workflow in between, are that editing session's one entry.
 */
const DRAFT_EDIT_COALESCE_MS = 10 * 60_000;

async function auditDraftEdit(
  tx: DbOrTx,
  { orgId, workflowId, actorId, details }: { orgId: string; workflowId: string; actorId: string | null; details: Record<string, unknown> },
) {
  const last = await latestAuditEntryFor(tx, { orgId, targetId: workflowId });
  if (last?.action === "workflow.update" && last.actorId === actorId && Date.now() - last.at.getTime() < DRAFT_EDIT_COALESCE_MS) return;
  await recordAudit(tx, { orgId, actorId, action: "workflow.update", targetId: workflowId, details });
}

/**
 * Saves the editable draft (the published versions stay as they were), audited with its actor
 * (the dashboard user, the management API's key, null: the system). `audited: false` for a save
 * that is a step of another audited change (an import). `endUserRateLimitPerMinute`, when given,
 * is the workflow's setting (not the draft's: it applies at once), set in the same transaction.
 */
export async function updateDraft({
  orgId,
  workflowId,
  patch: raw,
  actorId = null,
  audited = true,
  endUserRateLimitPerMinute: limit,
}: {
  orgId: string;
  workflowId: string;
  patch: DraftPatch;
  actorId?: string | null;
  audited?: boolean;
  endUserRateLimitPerMinute?: number | null;
}) {
  const patch = parseInputOrThrow(draftPatch, raw);
  if (patch.template !== undefined) assertValidTemplate(patch.template);
  if (patch.system !== undefined) assertValidTemplate(patch.system);
  if (limit !== undefined) assertEndUserRateLimit(limit);
  const draftChanges = Object.keys(patch).length > 0 || limit === undefined;
  const row = await (
    await getDb()
  ).transaction(async (tx) => {
    if (patch.tools !== undefined) {
      // Header values written as the placeholder keep what the draft stores: read it under the row lock.
      const current = await lockWorkflow(tx, { orgId, workflowId });
      if (!current || current.archivedAt) return undefined;
      patch.tools = sealToolHeaders(patch.tools, current.tools);
    }
    // Only the limit: the draft (and its updated_at) stays as it was.
    const updated = draftChanges ? await updateWorkflow(tx, { orgId, workflowId }, patch) : await getWorkflow(tx, { orgId, workflowId });
    if (updated && audited && Object.keys(patch).length)
      await auditDraftEdit(tx, { orgId, workflowId, actorId, details: { fields: Object.keys(patch).sort() } });
    if (updated && limit !== undefined) await applyEndUserRateLimit(tx, { orgId, workflowId, limit, actorId });
    return updated;
  });
  if (!row) throw new AppError("workflow_not_found");
  if (limit !== undefined) endUserRateLimitChanged(workflowId);
  return { workflow_id: row.id, updated_at: row.updatedAt.toISOString() };
}

/** Archives the workflow: off the API, pins included; `production` goes with published_version_id. */
export async function archiveWorkflow({
  orgId,
  workflowId,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  actorId?: string | null;
}) {
  return removeProduction({ orgId, workflowId, actorId }, async (tx, wf, production) => {
    await updateWorkflow(tx, { orgId, workflowId }, { archivedAt: new Date() });
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "workflow.archive",
      targetId: workflowId,
      details: { production_from: production.from },
    });
    return { workflow_id: wf.id, archived: true };
  });
}

/** Copies a published version's content back into the draft (name and description stay); audited as a draft edit. */
export async function restoreVersionIntoDraft({
  orgId,
  workflowId,
  version,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  version: number;
  actorId?: string | null;
}) {
  const db = await getDb();
  const v = await getWorkflowVersion(db, { orgId, workflowId, version });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${version})`);
  const row = await db.transaction(async (tx) => {
    const updated = await updateWorkflow(tx, { orgId, workflowId }, contentOf(v));
    if (updated) await auditDraftEdit(tx, { orgId, workflowId, actorId, details: { restored_version: v.version } });
    return updated;
  });
  if (!row) throw new AppError("workflow_not_found");
  return { workflow_id: row.id, restored_version: v.version };
}
