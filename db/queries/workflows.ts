import { and, desc, eq, ilike, inArray, isNull, max, or } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { workflowLabels, workflows, workflowVersions, type Workflow } from "../schema";

export async function insertWorkflow(tx: DbOrTx, values: typeof workflows.$inferInsert) {
  const [row] = await tx.insert(workflows).values(values).returning();
  return row!;
}

export async function getWorkflow(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, workflowId), eq(workflows.orgId, orgId)))
    .limit(1);
  return row;
}

/** Locks the draft row so concurrent publishes of one workflow get strictly increasing versions. */
export async function lockWorkflow(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, workflowId), eq(workflows.orgId, orgId)))
    .for("no key update");
  return row;
}

export async function updateWorkflow(
  tx: DbOrTx,
  { orgId, workflowId }: { orgId: string; workflowId: string },
  patch: Partial<Omit<Workflow, "id" | "orgId" | "createdAt">>,
) {
  const [row] = await tx
    .update(workflows)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(workflows.id, workflowId), eq(workflows.orgId, orgId)))
    .returning();
  return row;
}

export async function latestVersionNumber(tx: DbOrTx, workflowId: string) {
  const [row] = await tx
    .select({ v: max(workflowVersions.version) })
    .from(workflowVersions)
    .where(eq(workflowVersions.workflowId, workflowId));
  return row?.v ?? 0;
}

export async function insertWorkflowVersion(tx: DbOrTx, values: typeof workflowVersions.$inferInsert) {
  const [row] = await tx.insert(workflowVersions).values(values).returning();
  return row!;
}

/**
 * What the API runs: the published version of a live workflow in this org. Unknown, unpublished,
 * archived and other-org workflows all come back undefined (→ the same 404). With production's
 * split, when it has one.
 */
export async function getPublishedVersion(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select({ version: workflowVersions, split: workflowLabels.split })
    .from(workflows)
    .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.publishedVersionId))
    // production's split, when it has one (a primary-key lookup beside the join).
    .leftJoin(workflowLabels, and(eq(workflowLabels.workflowId, workflows.id), eq(workflowLabels.name, "production")))
    .where(and(eq(workflows.id, workflowId), eq(workflows.orgId, orgId), isNull(workflows.archivedAt)))
    .limit(1);
  return row;
}

export async function listWorkflows(tx: DbOrTx, orgId: string) {
  return tx.select().from(workflows).where(eq(workflows.orgId, orgId)).orderBy(desc(workflows.updatedAt));
}

export async function listWorkflowVersions(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  return tx
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, workflowId), eq(workflowVersions.orgId, orgId)))
    .orderBy(desc(workflowVersions.version));
}

/** A specific version of a live (not archived) workflow in this org, for pinned calls (?version=N). */
export async function getWorkflowVersion(
  tx: DbOrTx,
  { orgId, workflowId, version }: { orgId: string; workflowId: string; version: number },
) {
  const [row] = await tx
    .select({ version: workflowVersions })
    .from(workflowVersions)
    .innerJoin(workflows, eq(workflows.id, workflowVersions.workflowId))
    .where(
      and(
        eq(workflowVersions.workflowId, workflowId),
        eq(workflowVersions.orgId, orgId),
        eq(workflowVersions.version, version),
        isNull(workflows.archivedAt),
      ),
    )
    .limit(1);
  return row?.version;
}

export async function listVersionsByIds(tx: DbOrTx, { orgId, ids }: { orgId: string; ids: string[] }) {
  return tx
    .select({ id: workflowVersions.id, version: workflowVersions.version })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.orgId, orgId), inArray(workflowVersions.id, ids)));
}

/** The workflow list: live workflows with their published version, optionally filtered by name or id. */
export async function listWorkflowsWithPublished(tx: DbOrTx, { orgId, search }: { orgId: string; search?: string }) {
  const conds = [eq(workflows.orgId, orgId), isNull(workflows.archivedAt)];
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conds.push(or(ilike(workflows.name, pattern), ilike(workflows.id, pattern))!);
  }
  return tx
    .select({ workflow: workflows, published: workflowVersions })
    .from(workflows)
    .leftJoin(workflowVersions, eq(workflowVersions.id, workflows.publishedVersionId))
    .where(and(...conds))
    .orderBy(desc(workflows.updatedAt))
    .limit(500);
}

export async function listWorkflowIdsIn(tx: DbOrTx, { orgId, ids }: { orgId: string; ids: string[] }) {
  return tx
    .select({ id: workflows.id })
    .from(workflows)
    .where(and(eq(workflows.orgId, orgId), inArray(workflows.id, ids)));
}

/** A version by its id (an async run starts the version it was queued with). */
export async function getWorkflowVersionById(tx: DbOrTx, { orgId, versionId }: { orgId: string; versionId: string }) {
  const [row] = await tx
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.orgId, orgId), eq(workflowVersions.id, versionId)))
    .limit(1);
  return row;
}

/** A workflow's per-end-user rate limit (a setting, not versioned); undefined when the workflow is not the org's. */
export async function getEndUserRateLimit(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }) {
  const [row] = await tx
    .select({ limit: workflows.endUserRateLimitPerMinute })
    .from(workflows)
    .where(and(eq(workflows.orgId, orgId), eq(workflows.id, workflowId)))
    .limit(1);
  return row;
}

export async function setEndUserRateLimit(
  tx: DbOrTx,
  { orgId, workflowId, limit }: { orgId: string; workflowId: string; limit: number | null },
) {
  const rows = await tx
    .update(workflows)
    .set({ endUserRateLimitPerMinute: limit })
    .where(and(eq(workflows.orgId, orgId), eq(workflows.id, workflowId)))
    .returning({ id: workflows.id, updatedAt: workflows.updatedAt });
  return rows[0];
}
