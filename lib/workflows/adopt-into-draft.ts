import { getDb } from "@/db";
import { getWorkflowVersion, updateWorkflow } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { parseModelId } from "@/lib/llm/model-id";
import { contentOf } from "./content-of";
import { maskToolHeaders } from "./tools";

/**
 * Compare's "Use this": a column's settings copied into the draft — its model, and when the
 * column is a published version, that version's content (template, instructions, variables,
 * settings) as "Restore into draft" copies it. One write, audited as a draft edit naming what it
 * adopted. Returns the draft as it is now, for the editor to show.
 */
export async function adoptIntoDraft({
  orgId,
  workflowId,
  target,
  model,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  target: "draft" | number;
  model: string;
  actorId?: string | null;
}) {
  if (model.length > 200 || !parseModelId(model))
    throw new AppError("invalid_request", "model must be <provider>:<model>, e.g. openai:gpt-4o-mini");
  const db = await getDb();
  const version = target === "draft" ? null : await getWorkflowVersion(db, { orgId, workflowId, version: target });
  if (target !== "draft" && !version) throw new AppError("workflow_not_found", `Workflow not found (no version ${target})`);
  const patch = version ? { ...contentOf(version), model } : { model };
  const row = await db.transaction(async (tx) => {
    const updated = await updateWorkflow(tx, { orgId, workflowId }, patch);
    // An archived workflow's draft is not edited: the transaction rolls back.
    if (!updated || updated.archivedAt) throw new AppError("workflow_not_found");
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "workflow.update",
      targetId: workflowId,
      details: { fields: Object.keys(patch).sort(), adopted: { from: version ? `v${version.version}` : "draft", model } },
    });
    return updated;
  });
  // Header values leave the server only as the placeholder (docs/tools.md), which the editor's next save keeps.
  return { name: row.name, description: row.description, ...contentOf(row), tools: maskToolHeaders(row.tools) };
}
