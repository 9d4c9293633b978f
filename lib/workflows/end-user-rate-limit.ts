import "server-only";
import { getDb } from "@/db";
import { getEndUserRateLimit, setEndUserRateLimit } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { lookupCache } from "@/lib/cache/lookup-cache";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";

// A workflow's `end_user_rate_limit_per_minute`: requests per minute per end user of its runs (a
// stream token's user, a run body's `user`), enforced by lib/api/end-user-rate-limit.ts. A setting
// of the workflow, not of a version: it applies to every version at once.

const cache = lookupCache<{ limit: number | null }>("workflow-end-user-limits");

/** The workflow's limit, reused for at most LOOKUP_CACHE_TTL_MS (lib/cache/lookup-cache.ts); null → none. */
export async function workflowEndUserRateLimit(orgId: string, workflowId: string): Promise<number | null> {
  if (!isId.workflow(workflowId)) return null;
  const db = await getDb();
  const row = await cache.get(`${orgId}/${workflowId}`, workflowId, () => getEndUserRateLimit(db, { orgId, workflowId }));
  return row?.limit ?? null;
}

/** Sets (or, with null, removes) the workflow's per-end-user limit; audited as a workflow update. */
export async function setWorkflowEndUserRateLimit({
  orgId,
  workflowId,
  limit,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  limit: number | null;
  actorId?: string | null;
}) {
  if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > 100_000))
    throw new AppError("invalid_request", "end_user_rate_limit_per_minute must be an integer from 1 to 100000, or none");
  const db = await getDb();
  await db.transaction(async (tx) => {
    if (!isId.workflow(workflowId) || !(await setEndUserRateLimit(tx, { orgId, workflowId, limit })))
      throw new AppError("workflow_not_found");
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "workflow.update",
      targetId: workflowId,
      details: { end_user_rate_limit_per_minute: limit },
    });
  });
  cache.forget(workflowId);
  return { workflow_id: workflowId, end_user_rate_limit_per_minute: limit };
}
