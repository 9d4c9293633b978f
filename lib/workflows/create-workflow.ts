import { getDb } from "@/db";
import { insertWorkflow } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { newId } from "@/lib/ids";
import { defaultModelId } from "@/lib/llm/registry";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { assertEndUserRateLimit } from "./end-user-rate-limit";
import { publishVersion } from "./publish-version";
import { newWorkflow, type NewWorkflow } from "./schemas";
import { sealToolHeaders } from "./tool-secrets";
import { assertValidTemplate, extractVariables } from "./template";

/**
 * Creates a draft (and, with `publish`, its version 1), audited as `workflow.create` with its
 * actor: the dashboard user, the management API's key, or null (the system).
 */
export async function createWorkflow({
  orgId,
  publish,
  actorId = null,
  endUserRateLimitPerMinute = null,
  ...input
}: NewWorkflow & { orgId: string; publish?: boolean; actorId?: string | null; endUserRateLimitPerMinute?: number | null }) {
  const f = parseInputOrThrow(newWorkflow, input);
  assertEndUserRateLimit(endUserRateLimitPerMinute);
  assertValidTemplate(f.template);
  assertValidTemplate(f.system);
  f.tools = sealToolHeaders(f.tools);
  const db = await getDb();
  const wf = await db.transaction(async (tx) => {
    const row = await insertWorkflow(tx, {
      ...f,
      id: newId.workflow(),
      orgId,
      endUserRateLimitPerMinute,
      model: f.model ?? defaultModelId(),
      temperature: f.temperature ?? null,
      variables: f.variables ?? extractVariables(f.template, f.system).map((name) => ({ name })),
    });
    await recordAudit(tx, { orgId, actorId, action: "workflow.create", targetId: row.id, details: { name: row.name } });
    return row;
  });
  const version = publish ? await publishVersion({ orgId, workflowId: wf.id, note: "Initial version", actorId }) : null;
  return {
    workflow_id: wf.id,
    name: wf.name,
    model: wf.model,
    variables: extractVariables(wf.template, wf.system),
    version: version?.version ?? null,
  };
}
