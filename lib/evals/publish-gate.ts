import type { DbOrTx } from "@/db";
import { findPassingDraftEval, getEvalSettings, upsertEvalSettings } from "@/db/queries/evals";
import { getDb } from "@/db";
import { getWorkflow } from "@/db/queries/workflows";
import type { Workflow } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { contentHashOf } from "./content-hash";

/**
 * With the workflow's switch on, publishing needs a completed eval of exactly this draft (same
 * content hash: an edit after the eval needs a new one) in which every case passed. Called by
 * publishVersion under the workflow's row lock, so the draft checked is the draft frozen.
 */
export async function assertEvalGate(tx: DbOrTx, wf: Workflow) {
  const settings = await getEvalSettings(tx, { orgId: wf.orgId, workflowId: wf.id });
  if (!settings?.requirePassingEval) return;
  const passing = await findPassingDraftEval(tx, { orgId: wf.orgId, workflowId: wf.id, contentHash: contentHashOf(wf) });
  if (!passing) {
    throw new AppError(
      "invalid_request",
      "Publishing this workflow requires a passing eval of the draft: run the eval (every case must pass), then publish",
    );
  }
}

/** The per-workflow switch (dashboard, admins). */
export async function setRequirePassingEval({ orgId, workflowId, required }: { orgId: string; workflowId: string; required: boolean }) {
  const db = await getDb();
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  await upsertEvalSettings(db, { orgId, workflowId, requirePassingEval: required });
  return { workflow_id: workflowId, require_passing_eval: required };
}
