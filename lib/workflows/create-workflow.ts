import { getDb } from "@/db";
import { insertWorkflow } from "@/db/queries/workflows";
import { newId } from "@/lib/ids";
import { defaultModelId } from "@/lib/llm/registry";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { publishVersion } from "./publish-version";
import { newWorkflow, type NewWorkflow } from "./schemas";
import { assertValidTemplate, extractVariables } from "./template";

/** Creates a draft (and, with `publish`, its version 1). */
export async function createWorkflow({ orgId, publish, ...input }: NewWorkflow & { orgId: string; publish?: boolean }) {
  const f = parseInputOrThrow(newWorkflow, input);
  assertValidTemplate(f.template);
  assertValidTemplate(f.system);
  const db = await getDb();
  const wf = await insertWorkflow(db, {
    ...f, id: newId.workflow(), orgId, model: f.model ?? defaultModelId(), temperature: f.temperature ?? null,
    variables: f.variables ?? extractVariables(f.template, f.system).map((name) => ({ name })),
  });
  const version = publish ? await publishVersion({ orgId, workflowId: wf.id, note: "Initial version" }) : null;
  return { workflow_id: wf.id, name: wf.name, model: wf.model, variables: extractVariables(wf.template, wf.system), version: version?.version ?? null };
}
