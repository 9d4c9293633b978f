import { getDb } from "@/db";
import { getWorkflow, insertWorkflowVersion, latestVersionNumber, lockWorkflow } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { assertEvalGate } from "@/lib/evals/publish-gate";
import { newId } from "@/lib/ids";
import { kickJobs } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { contentOf } from "./content-of";
import { LATEST, PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { removeProduction } from "./remove-production";
import { setLabel } from "./set-label";
import { assertValidTemplate } from "./template";
import { listMcpServers, withMcpSnapshots } from "./snapshot-mcp-tools";

/**
 * Freezes the draft into an immutable version N+1 and makes it the one the API runs: `latest` and
 * `production` move to it, in one transaction with its audit entry. The draft row is locked
 * first, so concurrent publishes get strictly increasing numbers and a coherent label history.
 */
export async function publishVersion({
  orgId,
  workflowId,
  note = "",
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  note?: string;
  actorId?: string | null;
}) {
  const db = await getDb();
  // MCP servers are listed before the transaction: no lock is held while they answer (an unreachable one is a 400).
  const draft = await getWorkflow(db, { orgId, workflowId });
  const mcpListed = draft?.tools.some((t) => t.type === "mcp") ? await listMcpServers(draft.tools) : new Map();
  const out = await db.transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    assertValidTemplate(wf.template);
    assertValidTemplate(wf.system);
    await assertEvalGate(tx, wf);
    const version = (await latestVersionNumber(tx, workflowId)) + 1;
    const content = contentOf(wf);
    const v = await insertWorkflowVersion(tx, {
      id: newId.version(),
      workflowId,
      orgId,
      version,
      ...content,
      tools: content.tools.some((t) => t.type === "mcp") ? withMcpSnapshots(content.tools, mcpListed) : content.tools,
      note,
      createdBy: actorId,
    });
    const latest = await setLabel(tx, { wf, label: LATEST, to: v, actorId });
    const production = await setLabel(tx, { wf, label: PRODUCTION, to: v, actorId });
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "workflow.publish",
      targetId: workflowId,
      details: { version: v.version, version_id: v.id, note, production_from: production.from, latest_from: latest.from },
    });
    await emitWebhookEvent(tx, {
      orgId,
      type: "workflow.published",
      data: {
        workflow_id: workflowId,
        version_id: v.id,
        version: v.version,
        note,
        production_from: production.from,
        published_by: actorId,
      },
    });
    return { version_id: v.id, version: v.version };
  });
  forgetPublishedVersion(workflowId);
  kickJobs();
  return out;
}

/** Takes the workflow off the API (404): removes `production`; versions and other labels stay. */
export async function unpublishWorkflow({
  orgId,
  workflowId,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  actorId?: string | null;
}) {
  return removeProduction({ orgId, workflowId, actorId }, async (tx, wf, production) => {
    if (production.moved) {
      await recordAudit(tx, {
        orgId,
        actorId,
        action: "workflow.unpublish",
        targetId: workflowId,
        details: { production_from: production.from },
      });
    }
    return { workflow_id: wf.id, published: false };
  });
}
