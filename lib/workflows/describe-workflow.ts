import { getDb } from "@/db";
import { listLabels } from "@/db/queries/labels";
import { getWorkflow } from "@/db/queries/workflows";
import type { WorkflowVersion } from "@/db/schema";
import { getModelInfo } from "@/lib/llm/models";
import type { WorkflowDescription } from "./schemas";
import { variablesOf } from "./template";
import { inputJsonSchema } from "./variable-types";

/**
 * GET /api/v1/workflows/:id — what an SDK or a form builder needs to call a published workflow:
 * its variables (all required, with the description and example authored for them), model,
 * version and labels. Another org's, unpublished or archived workflows are 404 like unknown ones.
 */
export async function describeWorkflow(orgId: string, version: WorkflowVersion): Promise<WorkflowDescription> {
  const db = await getDb();
  const [wf, labels] = await Promise.all([
    getWorkflow(db, { orgId, workflowId: version.workflowId }),
    listLabels(db, { orgId, workflowId: version.workflowId }),
  ]);
  const model = getModelInfo(version.model);
  const variables = variablesOf(version);
  return {
    success: true as const,
    workflow_id: version.workflowId,
    name: wf?.name ?? "",
    description: wf?.description ?? "",
    version: version.version,
    published_at: version.createdAt.toISOString(),
    model: { id: model.id, label: model.label, offline: !!model.offline },
    web_search: version.webSearch,
    max_output_tokens: version.maxOutputTokens,
    variables: variables.map((v) => ({ ...v, required: true as const })),
    input_schema: inputJsonSchema(variables),
    output_schema: version.outputSchema,
    tools: version.tools.flatMap((t) =>
      t.type === "function" ? [{ name: t.name, description: t.description, parameters: t.parameters }] : [],
    ),
    max_steps: version.maxSteps,
    /** Every label of the workflow → the version number it points at (pin one with ?label=). */
    labels: Object.fromEntries(labels.map((l) => [l.name, l.version])) as Record<string, number>,
  };
}
