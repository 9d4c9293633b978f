import { getDb } from "@/db";
import { insertWorkflowVersion, latestVersionNumber, lockWorkflow, updateWorkflow } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { assertValidTemplate } from "./template";

/**
 * Freezes the draft into an immutable version N+1 and makes it the one the API runs. The draft row
 * is locked first, so concurrent publishes get strictly increasing numbers.
 */
export async function publishVersion({ orgId, workflowId, note = "", actorId = null }: { orgId: string; workflowId: string; note?: string; actorId?: string | null }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    assertValidTemplate(wf.template);
    assertValidTemplate(wf.system);
    const version = (await latestVersionNumber(tx, workflowId)) + 1;
    const v = await insertWorkflowVersion(tx, {
      id: newId.version(), workflowId, orgId, version, system: wf.system, template: wf.template, variables: wf.variables,
      model: wf.model, temperature: wf.temperature, maxOutputTokens: wf.maxOutputTokens, webSearch: wf.webSearch,
      note, createdBy: actorId,
    });
    await updateWorkflow(tx, { orgId, workflowId }, { publishedVersionId: v.id });
    return { version_id: v.id, version: v.version };
  });
}

/** Takes the workflow off the API (404) without touching its versions. */
export async function unpublishWorkflow({ orgId, workflowId }: { orgId: string; workflowId: string }) {
  const db = await getDb();
  const row = await updateWorkflow(db, { orgId, workflowId }, { publishedVersionId: null });
  if (!row) throw new AppError("workflow_not_found");
  return { workflow_id: row.id, published: false };
}
