import { z } from "zod";
import { getDb } from "@/db";
import { getWorkflowVersion, lockWorkflow, updateWorkflow } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { setLabel } from "./set-label";
import { assertValidTemplate } from "./template";
import { outputSchemaField } from "./output-schema";
import { ENUM_NEEDS_VALUES, enumHasValues, variableTypeFields } from "./variable-types";

export const draftFields = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000),
  system: z.string().max(50_000),
  template: z.string().min(1).max(100_000),
  model: z.string().min(3).max(200),
  temperature: z.number().min(0).max(2).nullable(),
  maxOutputTokens: z.number().int().min(1).max(100_000),
  webSearch: z.boolean(),
  variables: z.array(z.object({ name: z.string(), description: z.string().max(500).optional(), example: z.string().max(2000).optional(), ...variableTypeFields })
    .refine(enumHasValues, ENUM_NEEDS_VALUES)).max(100),
  outputSchema: outputSchemaField,
}).partial();

/** Saves the editable draft (the published versions stay as they were). */
export async function updateDraft({ orgId, workflowId, patch }: { orgId: string; workflowId: string; patch: z.infer<typeof draftFields> }) {
  if (patch.template !== undefined) assertValidTemplate(patch.template);
  if (patch.system !== undefined) assertValidTemplate(patch.system);
  const row = await updateWorkflow(await getDb(), { orgId, workflowId }, patch);
  if (!row) throw new AppError("workflow_not_found");
  return { workflow_id: row.id, updated_at: row.updatedAt.toISOString() };
}

/** Archives the workflow: off the API, pins included; `production` goes with published_version_id. */
export async function archiveWorkflow({ orgId, workflowId, actorId = null }: { orgId: string; workflowId: string; actorId?: string | null }) {
  const db = await getDb();
  const out = await db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf) throw new AppError("workflow_not_found");
    const production = await setLabel(tx, { wf, label: PRODUCTION, to: null, actorId });
    await updateWorkflow(tx, { orgId, workflowId }, { archivedAt: new Date() });
    await recordAudit(tx, { orgId, actorId, action: "workflow.archive", targetId: workflowId, details: { production_from: production.from } });
    return { workflow_id: wf.id, archived: true };
  });
  forgetPublishedVersion(workflowId);
  return out;
}

/** Copies a published version's content back into the draft (name and description stay). */
export async function restoreVersionIntoDraft({ orgId, workflowId, version }: { orgId: string; workflowId: string; version: number }) {
  const db = await getDb();
  const v = await getWorkflowVersion(db, { orgId, workflowId, version });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${version})`);
  const { system, template, variables, model, temperature, maxOutputTokens, webSearch, outputSchema } = v;
  const row = await updateWorkflow(db, { orgId, workflowId }, { system, template, variables, model, temperature, maxOutputTokens, webSearch, outputSchema });
  if (!row) throw new AppError("workflow_not_found");
  return { workflow_id: row.id, restored_version: v.version };
}
