import type { Tx } from "@/db";
import { deleteLabel, insertLabelHistory, listLabels, upsertLabel } from "@/db/queries/labels";
import { updateWorkflow } from "@/db/queries/workflows";
import type { SplitArm, Workflow, WorkflowVersion } from "@/db/schema";
import { assertLabelName, PRODUCTION } from "./label-name";

/**
 * The only writer of labels: points `label` at `to` (null removes it) and records the move in the
 * label history. The caller must hold the workflow's row lock (lockWorkflow) in `tx`, so moves of
 * one workflow are serialized and each history entry's `from` is the previous entry's `to`.
 *
 * `production` and workflows.published_version_id are kept in lockstep here, in the same
 * transaction, rather than dropping the column: the column keeps /run's lookup a single join on
 * the workflow row (the hot path), and the pages and queries that read it keep working unchanged.
 * Nothing else writes either one, so they cannot drift.
 *
 * `split` makes the label divide traffic between versions (`to` is then its largest arm); without
 * it the label is one version, and a move ends any split it had.
 */
export async function setLabel(
  tx: Tx,
  {
    wf,
    label,
    to,
    actorId,
    split = null,
  }: { wf: Workflow; label: string; to: WorkflowVersion | null; actorId: string | null; split?: SplitArm[] | null },
): Promise<{
  label: string;
  from: number | null;
  to: number | null;
  fromSplit: SplitArm[] | null;
  toSplit: SplitArm[] | null;
  moved: boolean;
}> {
  assertLabelName(label);
  const current = (await listLabels(tx, { orgId: wf.orgId, workflowId: wf.id })).find((l) => l.name === label);
  const from = current?.version ?? null;
  const fromSplit = current?.split ?? null;
  const toVersion = to?.version ?? null;
  const toSplit = to ? split : null;
  const out = { label, from, to: toVersion, fromSplit, toSplit };
  if (from === toVersion && sameSplit(fromSplit, toSplit)) return { ...out, moved: false };
  if (to) await upsertLabel(tx, { workflowId: wf.id, orgId: wf.orgId, name: label, versionId: to.id, split: toSplit, updatedBy: actorId });
  else await deleteLabel(tx, { workflowId: wf.id, name: label });
  if (label === PRODUCTION && from !== toVersion)
    await updateWorkflow(tx, { orgId: wf.orgId, workflowId: wf.id }, { publishedVersionId: to?.id ?? null });
  await insertLabelHistory(tx, { workflowId: wf.id, orgId: wf.orgId, label, fromVersion: from, toVersion, fromSplit, toSplit, actorId });
  return { ...out, moved: true };
}

const sameSplit = (a: SplitArm[] | null, b: SplitArm[] | null) =>
  JSON.stringify(a?.map((x) => [x.version, x.weight]) ?? null) === JSON.stringify(b?.map((x) => [x.version, x.weight]) ?? null);
