import { z } from "zod";
import { queryInteger } from "@/lib/validation/documented-as";
import { outputSchemaField } from "./output-schema";
import { maxStepsField, toolsField } from "./tools";
import { ENUM_NEEDS_VALUES, enumHasValues, VARIABLE_TYPES, variableTypeFields } from "./variable-types";

// Client-safe on purpose: the dashboard editor validates with these same schemas before it saves,
// so nothing here may import server code.

/** Per-variable metadata authored in the dashboard; the names themselves come from the template. */
export const variableMeta = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(500).optional(),
    example: z.string().max(2000).optional(),
    ...variableTypeFields,
  })
  .refine(enumHasValues, ENUM_NEEDS_VALUES);

// How many fallback models a workflow may list, and the most calls per model: the fallback plan's limits.
import { MAX_ATTEMPTS_LIMIT, MAX_FALLBACK_MODELS } from "@/lib/llm/plan-limits";
export { MAX_ATTEMPTS_LIMIT, MAX_FALLBACK_MODELS };

/** What a published version freezes: every field a run reads. `contentOf` copies exactly these. */
export const versionContent = z.object({
  system: z.string().max(50_000),
  template: z.string().min(1).max(100_000),
  variables: z.array(variableMeta).max(100),
  model: z.string().min(3).max(200),
  temperature: z.number().min(0).max(2).nullable(),
  maxOutputTokens: z.int().min(1).max(100_000),
  webSearch: z.boolean(),
  /** Tried in order when the primary model is exhausted; each `<provider>:<model>`. */
  fallbackModels: z
    .array(
      z
        .string()
        .regex(/^[^:\s]+:\S+$/, "must be <provider>:<model>")
        .max(200),
    )
    .max(MAX_FALLBACK_MODELS),
  /** Calls per model before the next one is tried (retries before the first token). */
  maxAttempts: z.int().min(1).max(MAX_ATTEMPTS_LIMIT),
  /** Structured output: the JSON Schema the answer must match; null → free text. */
  outputSchema: outputSchemaField,
  /** Tools the model may call (lib/workflows/tools.ts); [] → none. */
  tools: toolsField,
  /** Model calls per run: server tools loop up to this many; 1 → no server-side loop. */
  maxSteps: maxStepsField,
});

/** A workflow's editable content: the version content plus its name and description. */
/** Most requests per minute per end user a workflow's (or a key's) `end_user_rate_limit_per_minute` may be. */
export const MAX_END_USER_RATE_LIMIT = 100_000;
/**
 * A workflow's `end_user_rate_limit_per_minute` (lib/workflows/end-user-rate-limit.ts): a setting of
 * the workflow, not of its draft or versions; null → no limit.
 */
export const endUserRateLimitField = z.int().min(1).max(MAX_END_USER_RATE_LIMIT).nullable();

export const workflowContent = versionContent.extend({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000),
});

/** A draft save: any subset of the content, each field with the same limits. */
export const draftPatch = workflowContent.partial();
export type DraftPatch = z.infer<typeof draftPatch>;

/** A new workflow: name and template; the rest has defaults (the model and variables are filled in by createWorkflow). */
export const newWorkflow = workflowContent.extend({
  description: workflowContent.shape.description.default(""),
  system: workflowContent.shape.system.default(""),
  model: workflowContent.shape.model.optional(),
  temperature: workflowContent.shape.temperature.optional(),
  maxOutputTokens: workflowContent.shape.maxOutputTokens.default(1024),
  webSearch: workflowContent.shape.webSearch.default(false),
  fallbackModels: workflowContent.shape.fallbackModels.default([]),
  maxAttempts: workflowContent.shape.maxAttempts.default(3),
  outputSchema: workflowContent.shape.outputSchema.default(null),
  tools: workflowContent.shape.tools.default([]),
  maxSteps: workflowContent.shape.maxSteps.default(1),
  variables: workflowContent.shape.variables.optional(),
});
export type NewWorkflow = z.input<typeof newWorkflow>;

/**
 * A template variable's value in a run body, as the API document shows it; each variable's own
 * type is checked by lib/workflows/inputs.ts (variable-types.ts).
 */
export const inputValue = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown()), z.null()])
  .meta({
    description:
      "A template variable, as its type wants it: text (the default: a string, number or boolean, rendered as text; no NUL), " +
      "number, boolean, enum (one of its values), json (any JSON value), image (an https: or data:image/(png|jpeg|webp|gif);base64 URL). " +
      "GET /api/v1/workflows/{workflow_id} gives each variable's type and the body as a JSON Schema (`input_schema`).",
  });

/** `?version=N` on /run, /stream and /workflows/:id: pin a published version (default: the current one). */
export const versionQuery = z.object({
  version: queryInteger({
    min: 1,
    max: 999_999_999,
    pattern: /^[1-9]\d{0,8}$/,
    message: "must be a positive integer (a published version number)",
    description:
      "Pin a published version number: the call runs exactly that version while newer ones are published. Default: the current published version.",
  }),
});

/** `?version=N` or `?label=name` (not both): the version a call runs. */
export const pinQuery = versionQuery.extend({
  label: z
    .string()
    .optional()
    .meta({ description: "Pin a label (e.g. staging): the call runs the version the label points to. Default: production." }),
});

/** GET /api/v1/workflows/:id */
export const workflowDescription = z.object({
  success: z.literal(true),
  workflow_id: z.string(),
  name: z.string(),
  description: z.string(),
  version: z.int().min(1),
  published_at: z.iso.datetime(),
  model: z.object({ id: z.string(), label: z.string(), offline: z.boolean() }),
  web_search: z.boolean(),
  max_output_tokens: z.int(),
  variables: z
    .array(
      z.object({
        name: z.string(),
        required: z.literal(true),
        description: z.string().nullable(),
        example: z.string().nullable(),
        type: z.enum(VARIABLE_TYPES).meta({
          description:
            "What the value must be: text (a string, number or boolean, rendered as text), number, boolean, enum (one of `values`), json (any JSON value, rendered as JSON), image (an https: or data:image/…;base64 URL, sent to the model as an image).",
        }),
        values: z.array(z.string()).optional().meta({ description: "An enum variable's allowed values." }),
      }),
    )
    .meta({ description: "The template's variables: the keys of a run body." }),
  output_schema: z.record(z.string(), z.unknown()).nullable().meta({
    description: "Structured output: the JSON Schema the answer matches (`/run` then returns it parsed as `output`); null → free text.",
  }),
  tools: z.array(z.object({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()) })).meta({
    description:
      "The version's client tools (`function`): the model may call them, and the caller runs them and sends the result back (docs/tools.md). Server tools are not listed.",
  }),
  max_steps: z.int().meta({ description: "Model calls a run may make (server tools loop up to this many)." }),
  input_schema: z
    .record(z.string(), z.unknown())
    .meta({ description: "The whole run body's variables as a JSON Schema (draft 2020-12): one property per variable, all required." }),
  labels: z.record(z.string(), z.int()).meta({ description: "Label name → version number (production, latest, custom ones)." }),
});
export type WorkflowDescription = z.output<typeof workflowDescription>;
