import { getDb, type Tx } from "@/db";
import { lockWorkflow } from "@/db/queries/workflows";
import type { Workflow } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { PRODUCTION } from "./label-name";
import { forgetPublishedVersion } from "./published-cache";
import { setLabel } from "./set-label";

/**
 * Takes a workflow off the API, the step unpublish and archive share: in one transaction, locks
 * the workflow (`workflow_not_found` when there is none), removes `production`, then runs `then`
 * (which records the change); afterwards this instance forgets its cached published version.
 */
export async function removeProduction<T>(
  { orgId, workflowId, actorId }: { orgId: string; workflowId: string; actorId: string | null },
  then: (tx: Tx, wf: Workflow, production: Awaited<ReturnType<typeof setLabel>>) => Promise<T>,
): Promise<T> {
  const out = await (
    await getDb()
  ).transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf) throw new AppError("workflow_not_found");
    const production = await setLabel(tx, { wf, label: PRODUCTION, to: null, actorId });
    return then(tx, wf, production);
  });
  forgetPublishedVersion(workflowId);
  return out;
}
