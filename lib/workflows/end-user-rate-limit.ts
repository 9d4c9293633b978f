import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { getEndUserRateLimit, setEndUserRateLimit } from "@/db/queries/workflows";
import { recordAudit } from "@/lib/audit/record-audit";
import { lookupCache } from "@/lib/cache/lookup-cache";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { endUserRateLimitField, MAX_END_USER_RATE_LIMIT } from "./schemas";

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

/** Refuses anything but an integer from 1 to MAX_END_USER_RATE_LIMIT, or null (none). */
export function assertEndUserRateLimit(limit: number | null) {
  if (!endUserRateLimitField.safeParse(limit).success)
    throw new AppError(
      "invalid_request",
      `end_user_rate_limit_per_minute must be an integer from 1 to ${MAX_END_USER_RATE_LIMIT}, or none`,
    );
}

/**
 * In the caller's transaction: sets (or, with null, removes) the workflow's limit, audited as a
 * workflow update naming it. The workflow's updated_at (its draft's last change) is kept; false
 * when the workflow is not the org's. Call `endUserRateLimitChanged` after the commit.
 */
export async function applyEndUserRateLimit(
  tx: DbOrTx,
  { orgId, workflowId, limit, actorId }: { orgId: string; workflowId: string; limit: number | null; actorId: string | null },
) {
  assertEndUserRateLimit(limit);
  const row = isId.workflow(workflowId) ? await setEndUserRateLimit(tx, { orgId, workflowId, limit }) : undefined;
  if (!row) return undefined;
  await recordAudit(tx, {
    orgId,
    actorId,
    action: "workflow.update",
    targetId: workflowId,
    details: { end_user_rate_limit_per_minute: limit },
  });
  return row;
}

/** After the commit of a change: this instance's cached limit goes (others' within LOOKUP_CACHE_TTL_MS). */
export const endUserRateLimitChanged = (workflowId: string) => cache.forget(workflowId);

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
  assertEndUserRateLimit(limit);
  const db = await getDb();
  const row = await db.transaction((tx) => applyEndUserRateLimit(tx, { orgId, workflowId, limit, actorId }));
  if (!row) throw new AppError("workflow_not_found");
  endUserRateLimitChanged(workflowId);
  return { workflow_id: workflowId, end_user_rate_limit_per_minute: limit };
}
