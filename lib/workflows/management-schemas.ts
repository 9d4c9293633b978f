import { z } from "zod";
import { endUserRateLimitField, MAX_END_USER_RATE_LIMIT, workflowContent, type DraftPatch } from "./schemas";

// The management API's bodies (/api/v1/workflows…, admin keys): the dashboard's content fields,
// each with the very same schema, under the API's snake_case names. createWorkflow and
// updateDraft parse the mapped content again with newWorkflow / draftPatch, so nothing the
// dashboard refuses gets in this way.

const c = workflowContent.shape;
const apiContent = {
  name: c.name,
  description: c.description,
  system: c.system,
  template: c.template,
  variables: c.variables,
  model: c.model,
  temperature: c.temperature,
  max_output_tokens: c.maxOutputTokens,
  web_search: c.webSearch,
  fallback_models: c.fallbackModels,
  max_attempts: c.maxAttempts,
  output_schema: c.outputSchema,
  tools: c.tools.meta({
    description:
      'Tools the model may call (at most 32): `function` (the caller runs it), `http` (Flowgate POSTs the arguments to `url`), `mcp` (a remote MCP server\'s tools, listed at publish). Header values are secrets: stored sealed, shown as "[secret]", which written back keeps the stored value.',
  }),
  max_steps: c.maxSteps.meta({ description: "Model calls per run (1–10): server tools loop up to this many; 1 → no loop." }),
  end_user_rate_limit_per_minute: endUserRateLimitField.meta({
    description: `Requests per minute per end user (a stream token's user, a run body's \`user\`) of this workflow's runs, 1–${MAX_END_USER_RATE_LIMIT}; null → no limit. A setting of the workflow, not of the draft: it applies to every version from the next request, without publishing.`,
  }),
};

/** PATCH /api/v1/workflows/:id – any subset of the draft's content. */
export const updateDraftBody = z
  .object(apiContent)
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { error: "must change at least one field" });
/** POST /api/v1/workflows – a name and a template; the rest has the dashboard's defaults. */
export const createWorkflowBody = z.object(apiContent).partial().required({ name: true, template: true }).strict();
export type ApiWorkflowContent = z.output<typeof updateDraftBody>;

/** The API's field names → the content's (absent fields stay absent: a patch changes only what it names). */
export function contentFromApi(b: ApiWorkflowContent): DraftPatch {
  const out: DraftPatch = {
    name: b.name,
    description: b.description,
    system: b.system,
    template: b.template,
    variables: b.variables,
    model: b.model,
    temperature: b.temperature,
    maxOutputTokens: b.max_output_tokens,
    webSearch: b.web_search,
    fallbackModels: b.fallback_models,
    maxAttempts: b.max_attempts,
    outputSchema: b.output_schema,
    tools: b.tools,
    maxSteps: b.max_steps,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as DraftPatch;
}

/** POST /api/v1/workflows/:id/publish */
export const publishBody = z.object({ note: z.string().max(500).default("") }).strict();
/** POST /api/v1/workflows/:id/labels/:label */
export const moveLabelBody = z.object({ version: z.int().min(1).max(999_999_999) }).strict();

/** POST /api/v1/workflows/:id/labels/:label/promote */
export const promoteLabelBody = z
  .object({ version: z.int().min(1).max(999_999_999).meta({ description: "The split's version that takes all its traffic." }) })
  .strict();

export const listWorkflowsQuery = z.object({
  search: z.string().max(200).optional().meta({ description: "Only workflows whose name or id contains this (case-insensitive)." }),
});

const limitEcho = endUserRateLimitField.optional().meta({ description: "The workflow's limit, when the request set it." });

const summary = z.object({
  workflow_id: z.string(),
  name: z.string(),
  description: z.string(),
  model: z.string(),
  published_version: z.int().nullable().meta({ description: "The version production runs; null → unpublished." }),
  updated_at: z.iso.datetime(),
});
export const listWorkflowsResponse = z.object({
  success: z.literal(true),
  workflows: z.array(summary).meta({ description: "Live (not archived) workflows, most recently changed first; at most 500." }),
});
export const createWorkflowResponse = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  name: z.string(),
  model: z.string(),
  variables: z.array(z.string()).meta({ description: "The template's variables." }),
  end_user_rate_limit_per_minute: limitEcho,
});
export const updateDraftResponse = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  updated_at: z.iso.datetime().meta({ description: "The draft's last change (a change of the limit alone leaves it)." }),
  end_user_rate_limit_per_minute: limitEcho,
});
export const publishResponse = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  version_id: z.string(),
  version: z.int().min(1),
});
export const moveLabelResponse = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  label: z.string(),
  from: z.int().nullable().meta({ description: "The version it pointed to before; null → new label." }),
  to: z.int(),
  moved: z.boolean().meta({ description: "false when it already pointed there (nothing recorded)." }),
});
export const promoteLabelResponse = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  label: z.string(),
  from_split: z.string().meta({ description: "The split it ended, e.g. `v3 90% / v4 10%`." }),
  to: z.int(),
});
