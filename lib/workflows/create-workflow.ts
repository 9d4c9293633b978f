import { z } from "zod";
import { getDb } from "@/db";
import { insertWorkflow } from "@/db/queries/workflows";
import { newId } from "@/lib/ids";
import { defaultModelId } from "@/lib/llm/registry";
import { publishVersion } from "./publish-version";
import { assertValidTemplate, extractVariables } from "./template";
import { outputSchemaField } from "./output-schema";
import { ENUM_NEEDS_VALUES, enumHasValues, variableTypeFields } from "./variable-types";

export const workflowFields = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(""),
  system: z.string().max(50_000).default(""),
  template: z.string().min(1).max(100_000),
  model: z.string().min(3).max(200).optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  maxOutputTokens: z.number().int().min(1).max(100_000).default(1024),
  webSearch: z.boolean().default(false),
  variables: z.array(z.object({ name: z.string(), description: z.string().optional(), example: z.string().optional(), ...variableTypeFields })
    .refine(enumHasValues, ENUM_NEEDS_VALUES)).optional(),
  outputSchema: outputSchemaField.optional(),
});
export type WorkflowFields = z.input<typeof workflowFields>;

/** Creates a draft (and, with `publish`, its version 1). */
export async function createWorkflow({ orgId, publish, ...input }: WorkflowFields & { orgId: string; publish?: boolean }) {
  const f = workflowFields.parse(input);
  assertValidTemplate(f.template);
  assertValidTemplate(f.system);
  const db = await getDb();
  const wf = await insertWorkflow(db, {
    id: newId.workflow(), orgId, name: f.name, description: f.description, system: f.system, template: f.template,
    model: f.model ?? defaultModelId(), temperature: f.temperature ?? null, maxOutputTokens: f.maxOutputTokens,
    webSearch: f.webSearch, outputSchema: f.outputSchema ?? null,
    variables: f.variables ?? extractVariables(f.template, f.system).map((name) => ({ name })),
  });
  const version = publish ? await publishVersion({ orgId, workflowId: wf.id, note: "Initial version" }) : null;
  return { workflow_id: wf.id, name: wf.name, model: wf.model, variables: extractVariables(wf.template, wf.system), version: version?.version ?? null };
}
