import { getDb } from "@/db";
import { listApiKeys } from "@/db/queries/api-keys";
import { listLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { listRuns } from "@/db/queries/runs";
import { getWorkflow, listWorkflows, listWorkflowVersions } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { listModels } from "@/lib/llm/models";

// What each dashboard page shows, always scoped to the org the page resolved (tenant isolation
// lives here and in db/queries, not in the components).

export async function workflowsPageData(orgId: string) {
  const db = await getDb();
  const rows = await listWorkflows(db, orgId);
  return Promise.all(
    rows.filter((w) => !w.archivedAt).map(async (w) => {
      const versions = await listWorkflowVersions(db, { orgId, workflowId: w.id });
      const published = versions.find((v) => v.id === w.publishedVersionId);
      const changed = !!published && (published.template !== w.template || published.system !== w.system || published.model !== w.model);
      return { id: w.id, name: w.name, model: w.model, updatedAt: w.updatedAt, publishedVersion: published?.version ?? null, changedSincePublish: changed };
    }),
  );
}

export async function workflowPageData(orgId: string, workflowId: string) {
  const db = await getDb();
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  const versions = await listWorkflowVersions(db, { orgId, workflowId });
  return { workflow: wf, versions, published: versions.find((v) => v.id === wf.publishedVersionId) ?? null, models: listModels() };
}

export async function keysPageData(orgId: string) {
  return listApiKeys(await getDb(), orgId);
}

export async function usagePageData(orgId: string) {
  const db = await getDb();
  const [org, ledger, runs] = await Promise.all([getOrg(db, orgId), listLedger(db, { orgId, limit: 20 }), listRuns(db, { orgId, limit: 50 })]);
  return { balance: org?.creditBalance ?? 0, ledger, runs };
}
