import type { LanguageModelV4Message, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { getLabelVersion } from "@/db/queries/labels";
import { getPublishedVersion, getWorkflow, getWorkflowVersion } from "@/db/queries/workflows";
import type { WorkflowVersion } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { assertWorkflowInScope } from "@/lib/auth/scope";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { resolveRoute, type ModelRoute } from "@/lib/llm/route";
import { sessionHistory } from "@/lib/sessions/session-history";
import { parseInputOrThrow, searchParamsOf } from "@/lib/validation/parse-input";
import { resolveInputs } from "@/lib/workflows/inputs";
import { LABEL_NAME } from "@/lib/workflows/label-name";
import { publishedVersionCache } from "@/lib/workflows/published-cache";
import { assertValidTemplate, extractVariables, renderTemplate } from "@/lib/workflows/template";
import { pinQuery } from "@/lib/workflows/schemas";

export type PreparedRun = {
  orgId: string;
  workflowId: string;
  version: WorkflowVersion;
  inputs: Record<string, string>;
  modelId: string;
  /** The models it may call (primary, fallbacks) with their prices. */
  route: ModelRoute;
  prompt: LanguageModelV4Prompt;
  /** Everything sent as input, for the credit reservation's estimate. */
  promptText: string;
};

/**
 * The version the API runs for this workflow (404 for unknown, unpublished, archived or other-org
 * ones); reused for up to a second (lib/workflows/published-cache.ts).
 */
export async function loadPublishedVersion(orgId: string, workflowId: string): Promise<WorkflowVersion> {
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const db = await getDb();
  const v = await publishedVersionCache.get(`${orgId}/${workflowId}`, workflowId, () => getPublishedVersion(db, { orgId, workflowId }));
  if (!v) throw new AppError("workflow_not_found");
  return v;
}

/**
 * Everything a run needs before it may start: the published version (404 otherwise), inputs that
 * match its variables (400 otherwise), the rendered prompt and a resolved model. No writes.
 */
export async function prepareRun({
  orgId, workflowId, body, shape, version, sessionId, workflowIds = null,
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
  /** A workflow-scoped caller's session history holds only its workflows' turns. */
  workflowIds?: string[] | null;
}): Promise<PreparedRun> {
  const v = version ?? (await loadPublishedVersion(orgId, workflowId));
  const variables = extractVariables(v.template, v.system);
  const shaped = shape ? shape(variables) : { vars: body, history: [] };
  const { vars } = shaped;
  const history = shaped.history.length || !sessionId ? shaped.history : await sessionHistory(orgId, sessionId, workflowIds);
  const inputs = resolveInputs(variables, vars);
  const rendered = renderTemplate(v.template, inputs);
  const route = await resolveRoute(v);
  const prompt: LanguageModelV4Prompt = [];
  if (v.system) prompt.push({ role: "system", content: renderTemplate(v.system, inputs) });
  prompt.push(...history, { role: "user", content: [{ type: "text", text: rendered }] });
  return { orgId, workflowId, version: v, inputs, modelId: v.model, route, prompt, promptText: JSON.stringify(prompt) };
}

/**
 * Route prefetch for /run, /stream and GET /workflows/:id, looked up while the rate limit is
 * checked: the published version (the `production` label), or the one pinned with `?version=N` or
 * `?label=name` (which keeps running while newer ones are published or production moves).
 */
export async function publishedVersionOf({ req, params, principal }: { req: Request; params: { id: string }; principal: Principal }) {
  assertWorkflowInScope(principal, params.id);
  const { version: pin, label } = parseInputOrThrow(pinQuery, searchParamsOf(req));
  if (pin !== undefined && label !== undefined) throw new AppError("invalid_request", "Pin with either version or label, not both");
  if (label !== undefined) return labelledVersion(principal.orgId, params.id, label);
  if (pin === undefined) return loadPublishedVersion(principal.orgId, params.id);
  if (!isId.workflow(params.id)) throw new AppError("workflow_not_found");
  const v = await getWorkflowVersion(await getDb(), { orgId: principal.orgId, workflowId: params.id, version: pin });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${pin})`);
  return v;
}

async function labelledVersion(orgId: string, workflowId: string, label: string) {
  // Checked before any query: a malformed name cannot exist, and URL junk never reaches the database.
  if (!LABEL_NAME.test(label)) throw new AppError("invalid_request", "label must match ^[a-z][a-z0-9_-]{0,39}$ (e.g. production, staging)");
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const v = await getLabelVersion(await getDb(), { orgId, workflowId, label });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no label ${label})`);
  return v;
}

/**
 * The playground runs the draft as it is saved now, shaped like a version so the one run path
 * serves it. Version 0 marks it: its runs record no version row.
 */
export async function loadDraftAsVersion(orgId: string, workflowId: string): Promise<WorkflowVersion> {
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const wf = await getWorkflow(await getDb(), { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  assertValidTemplate(wf.template);
  assertValidTemplate(wf.system);
  return {
    id: `draft_${wf.id}`, workflowId: wf.id, orgId, version: 0, system: wf.system, template: wf.template, variables: wf.variables,
    model: wf.model, temperature: wf.temperature, maxOutputTokens: wf.maxOutputTokens, webSearch: wf.webSearch,
    fallbackModels: wf.fallbackModels, maxAttempts: wf.maxAttempts, note: "draft", createdBy: null, createdAt: wf.updatedAt,
  };
}

export const isDraft = (v: WorkflowVersion) => v.version === 0;
