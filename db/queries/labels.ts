import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { apiKeys, user, workflowLabelHistory, workflowLabels, workflows, workflowVersions, type SplitArm } from "../schema";

/** Every label of a workflow with the version number it points at, by name. */
export async function listLabels(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  return tx
    .select({
      name: workflowLabels.name,
      version: workflowVersions.version,
      versionId: workflowLabels.versionId,
      split: workflowLabels.split,
      updatedAt: workflowLabels.updatedAt,
    })
    .from(workflowLabels)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflowLabels.versionId))
    .where(and(eq(workflowLabels.workflowId, workflowId), eq(workflowLabels.orgId, orgId)))
    .orderBy(asc(workflowLabels.name));
}

/** The version a label points at (and its split, if any), for pinned calls (?label=…), of a live workflow in this org. */
export async function getLabelVersion(tx: DbOrTx, { orgId, workflowId, label }: { orgId: string; workflowId: string; label: string }) {
  const [row] = await tx
    .select({ version: workflowVersions, split: workflowLabels.split })
    .from(workflowLabels)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflowLabels.versionId))
    .innerJoin(workflows, eq(workflows.id, workflowLabels.workflowId))
    .where(
      and(
        eq(workflowLabels.workflowId, workflowId),
        eq(workflowLabels.orgId, orgId),
        eq(workflowLabels.name, label),
        isNull(workflows.archivedAt),
      ),
    )
    .limit(1);
  return row;
}

/** The full rows of a split's arms (versions of one workflow, by id). */
export async function listSplitArmVersions(tx: DbOrTx, { orgId, workflowId, ids }: { orgId: string; workflowId: string; ids: string[] }) {
  return tx
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.orgId, orgId), eq(workflowVersions.workflowId, workflowId), inArray(workflowVersions.id, ids)));
}

export async function upsertLabel(
  tx: DbOrTx,
  values: { workflowId: string; orgId: string; name: string; versionId: string; split: SplitArm[] | null; updatedBy: string | null },
) {
  await tx
    .insert(workflowLabels)
    .values({ ...values, updatedAt: new Date() })
    .onConflictDoUpdate({
      target: [workflowLabels.workflowId, workflowLabels.name],
      set: { versionId: values.versionId, split: values.split, updatedBy: values.updatedBy, updatedAt: new Date() },
    });
}

export async function deleteLabel(tx: DbOrTx, { workflowId, name }: { workflowId: string; name: string }) {
  await tx.delete(workflowLabels).where(and(eq(workflowLabels.workflowId, workflowId), eq(workflowLabels.name, name)));
}

export async function insertLabelHistory(tx: DbOrTx, values: typeof workflowLabelHistory.$inferInsert) {
  const [row] = await tx.insert(workflowLabelHistory).values(values).returning();
  return row!;
}

/** Moves of a workflow's labels, newest first (identity order = commit order under the row lock), with the actor's name. */
export async function listLabelHistory(
  tx: DbOrTx,
  { orgId, workflowId, limit = 100 }: { orgId: string; workflowId: string; limit?: number },
) {
  return (
    tx
      // The actor is a user, or an API key (management API): its name then.
      .select({ entry: workflowLabelHistory, actorName: sql<string | null>`coalesce(${user.name}, ${apiKeys.name})` })
      .from(workflowLabelHistory)
      .leftJoin(user, eq(user.id, workflowLabelHistory.actorId))
      .leftJoin(apiKeys, and(eq(apiKeys.id, workflowLabelHistory.actorId), eq(apiKeys.orgId, workflowLabelHistory.orgId)))
      .where(and(eq(workflowLabelHistory.workflowId, workflowId), eq(workflowLabelHistory.orgId, orgId)))
      .orderBy(desc(workflowLabelHistory.id))
      .limit(limit)
  );
}

/** The org's labels that split traffic, on live workflows (the usage page compares their versions). */
export async function listSplitLabels(tx: DbOrTx, orgId: string) {
  return tx
    .select({
      workflowId: workflowLabels.workflowId,
      workflowName: workflows.name,
      label: workflowLabels.name,
      split: workflowLabels.split,
      updatedAt: workflowLabels.updatedAt,
    })
    .from(workflowLabels)
    .innerJoin(workflows, eq(workflows.id, workflowLabels.workflowId))
    .where(and(eq(workflowLabels.orgId, orgId), isNotNull(workflowLabels.split), isNull(workflows.archivedAt)))
    .orderBy(asc(workflows.name), asc(workflowLabels.name))
    .limit(20);
}
