import { getDb } from "@/db";
import { listWorkflowsWithPublished } from "@/db/queries/workflows";
import { visibleWorkflows } from "@/lib/auth/visibility";
import type { Principal } from "@/lib/auth/principal";
import type { modelsResponse } from "./schemas";
import type { z } from "zod";

/** GET /api/v1/openai/models — the published workflows this key may run (its workflow restriction), as OpenAI model objects. */
export async function listModels(principal: Principal): Promise<z.input<typeof modelsResponse>> {
  const allowed = visibleWorkflows(principal);
  const rows = await listWorkflowsWithPublished(await getDb(), { orgId: principal.orgId });
  const data = [];
  for (const { workflow, published } of rows) {
    if (!published || (allowed && !allowed.includes(workflow.id))) continue;
    data.push({
      id: workflow.id,
      object: "model" as const,
      created: Math.floor(published.createdAt.getTime() / 1000),
      owned_by: principal.orgId,
      name: workflow.name,
      version: published.version,
    });
  }
  return { object: "list", data };
}
