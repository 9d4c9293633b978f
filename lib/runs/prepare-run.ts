import type { LanguageModelV4, LanguageModelV4Message, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { getPublishedVersion, getWorkflowVersion } from "@/db/queries/workflows";
import type { WorkflowVersion } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { getLanguageModel, openaiWireApi, WEB_SEARCH_TOOL } from "@/lib/llm/registry";
import { sessionHistory } from "@/lib/sessions/session-history";
import { parseInputOrThrow, searchParamsOf } from "@/lib/validation/parse-input";
import { resolveInputs } from "@/lib/workflows/inputs";
import { versionQuery } from "@/lib/workflows/schemas";
import { extractVariables, renderTemplate } from "@/lib/workflows/template";

export type PreparedRun = {
  orgId: string;
  workflowId: string;
  version: WorkflowVersion;
  inputs: Record<string, string>;
  modelId: string;
  model: LanguageModelV4;
  prompt: LanguageModelV4Prompt;
  /** Everything sent as input, for the credit reservation's estimate. */
  promptText: string;
  tools: WebSearchTools;
};
type WebSearchTools = Array<typeof WEB_SEARCH_TOOL> | undefined;

/** The version the API runs for this workflow (404 for unknown, unpublished, archived or other-org ones). */
export async function loadPublishedVersion(orgId: string, workflowId: string): Promise<WorkflowVersion> {
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const v = await getPublishedVersion(await getDb(), { orgId, workflowId });
  if (!v) throw new AppError("workflow_not_found");
  return v;
}

/**
 * Everything a run needs before it may start: the published version (404 otherwise), inputs that
 * match its variables (400 otherwise), the rendered prompt and a resolved model. No writes.
 */
export async function prepareRun({
  orgId, workflowId, body, shape, version, sessionId,
}: {
  orgId: string;
  workflowId: string;
  body: Record<string, unknown>;
  /**
   * Turns the request body into template variables and earlier conversation turns (chat clients),
   * once the version's variables are known. Default: the body is the variables, no history.
   */
  shape?: (variables: string[]) => { vars: Record<string, unknown>; history: LanguageModelV4Message[] };
  /** The version to run, when already loaded (the route's prefetch; a draft in the playground). */
  version?: WorkflowVersion;
  /** Earlier turns of this session become the history, unless the client sent its own. */
  sessionId?: string | null;
}): Promise<PreparedRun> {
  const v = version ?? (await loadPublishedVersion(orgId, workflowId));
  const variables = extractVariables(v.template, v.system);
  const shaped = shape ? shape(variables) : { vars: body, history: [] };
  const { vars } = shaped;
  const history = shaped.history.length || !sessionId ? shaped.history : await sessionHistory(orgId, sessionId);
  const inputs = resolveInputs(variables, vars);
  const rendered = renderTemplate(v.template, inputs);
  const model = getLanguageModel(v.model);
  const prompt: LanguageModelV4Prompt = [];
  if (v.system) prompt.push({ role: "system", content: renderTemplate(v.system, inputs) });
  prompt.push(...history, { role: "user", content: [{ type: "text", text: rendered }] });
  const useSearch = v.webSearch && v.model.startsWith("openai") && openaiWireApi(v.model) === "responses";
  return {
    orgId, workflowId, version: v, inputs, modelId: v.model, model, prompt,
    promptText: JSON.stringify(prompt),
    tools: useSearch ? [WEB_SEARCH_TOOL] : undefined,
  };
}

/**
 * Route prefetch for /run and /stream, looked up while the rate limit is checked: the published
 * version, or the one pinned with `?version=N` (which keeps running while newer ones are published).
 */
export async function publishedVersionOf({ req, params, principal }: { req: Request; params: { id: string }; principal: { orgId: string } }) {
  const pin = parseInputOrThrow(versionQuery, searchParamsOf(req)).version;
  if (pin === undefined) return loadPublishedVersion(principal.orgId, params.id);
  if (!isId.workflow(params.id)) throw new AppError("workflow_not_found");
  const v = await getWorkflowVersion(await getDb(), { orgId: principal.orgId, workflowId: params.id, version: pin });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${pin})`);
  return v;
}
