import { getDb } from "@/db";
import { listWorkflowsWithPublished } from "@/db/queries/workflows";

/** The management API's list: live workflows (a restricted key's workflows only), newest change first. */
export async function listWorkflowsForApi({ orgId, visible, search }: { orgId: string; visible: string[] | null; search?: string }) {
  const rows = await listWorkflowsWithPublished(await getDb(), { orgId, search });
  return {
    success: true as const,
    workflows: rows
      .filter(({ workflow: w }) => !visible || visible.includes(w.id))
      .map(({ workflow: w, published }) => ({
        workflow_id: w.id,
        name: w.name,
        description: w.description,
        model: w.model,
        published_version: published?.version ?? null,
        updated_at: w.updatedAt.toISOString(),
      })),
  };
}
