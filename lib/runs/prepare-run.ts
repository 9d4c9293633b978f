import type { LanguageModelV4FilePart, LanguageModelV4Message, LanguageModelV4Prompt, LanguageModelV4TextPart } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { getLabelVersion } from "@/db/queries/labels";
import { getPublishedVersion, getWorkflow, getWorkflowVersion } from "@/db/queries/workflows";
import type { WorkflowVersion } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { assertWorkflowVisible, versionPinOf } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import type { LanguageModelV4CallOptions } from "@ai-sdk/provider";
import { resolvePlan, type ModelPlan } from "@/lib/llm/fallback-plan";
import { mergeCallerTools, modelToolsFor, toolChoiceOf, toolExecutors, type CallerTool, type ToolExecutor } from "@/lib/llm/model-tools";
import { sessionHistory } from "@/lib/sessions/session-history";
import { contentOf } from "@/lib/workflows/content-of";
import { resolveInputs } from "@/lib/workflows/inputs";
import { LABEL_NAME, PRODUCTION } from "@/lib/workflows/label-name";
import { withSplit, type ServedVersion } from "@/lib/workflows/split-assignment";
import { publishedVersionCache } from "@/lib/workflows/published-cache";
import { assertValidTemplate, renderedLength, renderSegments, renderTemplate, variablesOf } from "@/lib/workflows/template";
import { estimateText, imageFilePart, storedImage } from "./image-parts";

/**
 * A request body as the run takes it: template variables, the conversation before the rendered
 * template (`history`), the latest message's images (chat clients' attachments, `files`), and —
 * for OpenAI-style clients whose messages follow the prompt — turns after it (`followUp`).
 */
export type Shaped = {
  vars: Record<string, unknown>;
  history: LanguageModelV4Message[];
  files?: LanguageModelV4FilePart[];
  followUp?: LanguageModelV4Message[];
  /**
   * Tools the caller sent (the OpenAI surface): offered beside the version's own (a name the
   * version uses is a 400), with OpenAI's `tool_choice` and `parallel_tool_calls`. `param` names
   * the field in errors.
   */
  tools?: { caller: CallerTool[]; choice?: unknown; parallel?: boolean | null; param: string };
};

export type PreparedRun = {
  orgId: string;
  workflowId: string;
  version: WorkflowVersion;
  /** The inputs as the run record keeps them (a data: URL image as its media type and size). */
  inputs: Record<string, string>;
  modelId: string;
  /** The models it may call (primary, fallbacks) with their prices. */
  plan: ModelPlan;
  prompt: LanguageModelV4Prompt;
  /** Everything sent as input, for the credit reservation's estimate. */
  promptText: string;
  /** Who runs each tool the model may call (the version's; a caller's tool is absent: the client's). */
  toolExecutors: Map<string, ToolExecutor>;
  toolChoice?: LanguageModelV4CallOptions["toolChoice"];
  providerOptions?: LanguageModelV4CallOptions["providerOptions"];
};

/**
 * The version the API runs for this workflow (404 for unknown, unpublished, archived or other-org
 * ones); reused for up to a second (lib/workflows/published-cache.ts).
 */
export async function loadPublishedVersion(orgId: string, workflowId: string): Promise<ServedVersion> {
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const db = await getDb();
  const v = await publishedVersionCache.get(`${orgId}/${workflowId}`, workflowId, async () => {
    const row = await getPublishedVersion(db, { orgId, workflowId });
    return row && withSplit(db, row.version, PRODUCTION, row.split);
  });
  if (!v) throw new AppError("workflow_not_found");
  return v;
}

/** The most characters a run's prompt may have once rendered (about 250k tokens): checked before it is built. */
export const MAX_PROMPT_CHARS = 1_000_000;

/**
 * Everything a run needs before it may start: inputs that match the version's variables (400
 * otherwise), the rendered prompt (413 when it would be too large: its size is computed from the
 * template and the inputs before anything is rendered, so `{{x}}` written a thousand times with a
 * 1 MB value costs nothing), and a resolved model. No writes.
 */
export async function prepareRun({
  orgId,
  version: v,
  shape,
  sessionId = null,
  endUser = null,
  workflowIds = null,
}: {
  orgId: string;
  /** The version to run: published, pinned, or the draft (the playground). */
  version: WorkflowVersion;
  /**
   * Turns the request body into template variables and earlier conversation turns (chat clients),
   * once the version's variables are known.
   */
  shape: (variables: string[]) => Shaped;
  /** Earlier turns of this session become the history, unless the client sent its own. */
  sessionId?: string | null;
  /** A session belongs to its end user: only that user's turns are its history. */
  endUser?: string | null;
  /** A caller restricted to some workflows has a session history of those workflows' turns only. */
  workflowIds?: string[] | null;
}): Promise<PreparedRun> {
  const variables = variablesOf(v);
  const shaped = shape(variables.map((x) => x.name));
  const inputs = resolveInputs(variables, shaped.vars);
  const followUp = shaped.followUp ?? [];
  const images = new Set(variables.filter((x) => x.type === "image").map((x) => x.name));
  // Images are parts of the user message, bounded on their own: as text they count only as their
  // name, which is also how the system instructions (text only) show them.
  const textValues = images.size ? { ...inputs, ...Object.fromEntries([...images].map((n) => [n, `[image: ${n}]`])) } : inputs;
  const historyChars = [...shaped.history, ...followUp].reduce((n, m) => n + messageChars(m), 0);
  const size = renderedLength(v.template, textValues) + (v.system ? renderedLength(v.system, textValues) : 0) + historyChars;
  if (size > MAX_PROMPT_CHARS) {
    throw new AppError(
      "payload_too_large",
      `The rendered prompt would be ${size} characters (at most ${MAX_PROMPT_CHARS}): shorten the inputs or the conversation`,
    );
  }
  const history = shaped.history.length || !sessionId ? shaped.history : await sessionHistory({ orgId, sessionId, endUser, workflowIds });
  const t = shaped.tools;
  const functionTools = t ? mergeCallerTools(modelToolsFor(v), t.caller, t.param) : modelToolsFor(v);
  const toolChoice = t ? toolChoiceOf(t.choice, functionTools) : undefined;
  const plan = await resolvePlan(v, functionTools);
  const prompt: LanguageModelV4Prompt = [];
  if (v.system) prompt.push({ role: "system", content: renderTemplate(v.system, textValues) });
  const content: Array<LanguageModelV4TextPart | LanguageModelV4FilePart> = images.size
    ? renderSegments(v.template, inputs, images).map((s) =>
        typeof s === "string" ? { type: "text", text: s } : imageFilePart(inputs[s.variable]!),
      )
    : [{ type: "text", text: renderTemplate(v.template, inputs) }];
  prompt.push(...history, { role: "user", content: [...content, ...(shaped.files ?? [])] }, ...followUp);
  return {
    orgId,
    workflowId: v.workflowId,
    version: v,
    modelId: v.model,
    plan,
    prompt,
    inputs: images.size ? Object.fromEntries(Object.entries(inputs).map(([k, x]) => [k, images.has(k) ? storedImage(x) : x])) : inputs,
    promptText: estimateText(prompt) + (functionTools.length ? JSON.stringify(functionTools) : ""),
    toolExecutors: toolExecutors(v),
    ...(toolChoice ? { toolChoice } : {}),
    ...(typeof t?.parallel === "boolean" ? { providerOptions: { openai: { parallelToolCalls: t.parallel } } } : {}),
  };
}

function messageChars(m: LanguageModelV4Message): number {
  if (typeof m.content === "string") return m.content.length;
  let n = 0;
  for (const p of m.content) {
    if (p.type === "text") n += p.text.length;
    else if (p.type === "tool-call") n += JSON.stringify(p.input ?? null).length;
    else if (p.type === "tool-result") n += JSON.stringify(p.output).length;
  }
  return n;
}

/**
 * Route prefetch for /run, /stream and GET /workflows/:id, looked up while the rate limit is
 * checked: the published version (the `production` label), or the one pinned with `?version=N` or
 * `?label=name` (which keeps running while newer ones are published or production moves). A label
 * that splits traffic comes with its arms, and the run picks one once it knows its end user
 * (lib/workflows/split-assignment.ts); a `?version=` pin never splits. A stream token's version
 * was fixed when it was minted (versionPinOf).
 */
export async function publishedVersionOf({
  params,
  query,
  principal,
}: {
  params: { workflow_id: string };
  query: { version?: number; label?: string };
  principal: Principal;
}): Promise<ServedVersion> {
  const workflowId = params.workflow_id;
  assertWorkflowVisible(principal, workflowId);
  if (query.version !== undefined && query.label !== undefined)
    throw new AppError("invalid_request", "Pin with either version or label, not both");
  const { version: pin, label } = versionPinOf(principal, query);
  if (label !== undefined) return labelledVersion(principal.orgId, workflowId, label);
  if (pin === undefined) return loadPublishedVersion(principal.orgId, workflowId);
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const v = await getWorkflowVersion(await getDb(), { orgId: principal.orgId, workflowId, version: pin });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${pin})`);
  return v;
}

async function labelledVersion(orgId: string, workflowId: string, label: string) {
  // Checked before any query: a malformed name cannot exist, and URL junk never reaches the database.
  if (!LABEL_NAME.test(label)) throw new AppError("invalid_request", "label must match ^[a-z][a-z0-9_-]{0,39}$ (e.g. production, staging)");
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const db = await getDb();
  const row = await getLabelVersion(db, { orgId, workflowId, label });
  if (!row) throw new AppError("workflow_not_found", `Workflow not found (no label ${label})`);
  return withSplit(db, row.version, label, row.split);
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
    id: `draft_${wf.id}`,
    workflowId: wf.id,
    orgId,
    version: 0,
    ...contentOf(wf),
    note: "draft",
    createdBy: null,
    createdAt: wf.updatedAt,
  };
}

export const isDraft = (v: WorkflowVersion) => v.version === 0;
