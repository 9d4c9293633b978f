import { getDb } from "@/db";
import { listLabels } from "@/db/queries/labels";
import { getWorkflow, listWorkflowVersions } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import type { WorkflowTool } from "@/db/schema";
import { variablesOf } from "../template";
import { maskToolHeaders } from "../tools";
import { FORMAT, type PromptFields, type WorkflowDocument } from "./document";

type Prompt = {
  system: string;
  template: string;
  variables: Array<{ name: string; description?: string; example?: string }>;
  model: string;
  temperature: number | null;
  maxOutputTokens: number;
  webSearch: boolean;
  tools: WorkflowTool[];
  maxSteps: number;
};

const fields = (p: Prompt): PromptFields => ({
  system: p.system,
  template: p.template,
  model: p.model,
  temperature: p.temperature,
  max_output_tokens: p.maxOutputTokens,
  web_search: p.webSearch,
  tools: maskToolHeaders(p.tools),
  max_steps: p.maxSteps,
  variables: variablesOf(p).map(({ name, description, example }) => ({
    name,
    type: "string",
    ...(description ? { description } : {}),
    ...(example ? { example } : {}),
  })),
});

/**
 * GET /api/v1/workflows/:id/export (and the admin CLI): the workflow as a document an import
 * turns back into a workflow — draft, every published version, labels. Archived and other-org
 * workflows are 404 (the route checks a key's workflow restriction first).
 */
export async function exportWorkflow(orgId: string, workflowId: string): Promise<WorkflowDocument> {
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const db = await getDb();
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  const [versions, labels] = await Promise.all([listWorkflowVersions(db, { orgId, workflowId }), listLabels(db, { orgId, workflowId })]);
  return {
    format: FORMAT,
    name: wf.name,
    description: wf.description,
    draft: fields(wf),
    versions: [...versions]
      .sort((a, b) => a.version - b.version)
      .map((v) => ({ ...fields(v), version: v.version, note: v.note, created_at: v.createdAt.toISOString() })),
    labels: Object.fromEntries(labels.map((l) => [l.name, l.version])),
  };
}
