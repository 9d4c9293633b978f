import { z } from "zod";
import { AppError } from "@/lib/errors";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { extractVariables } from "../template";
import { maxStepsField, toolsField } from "../tools";

// The workflow document: what GET /api/v1/workflows/:id/export writes and every import reads
// (the dashboard, `npm run admin -- workflow import`). Versioned by `format`; an import also
// takes a prompt as OpenAI's dashboard shows it (instructions, {{variables}}, model).

export const FORMAT = "flowgate.workflow.v1";
/** The largest document an import reads (the dashboard and the CLI check it before parsing). */
export const MAX_DOCUMENT_BYTES = 25_000_000;

const variable = z.object({
  name: z.string().min(1).max(100),
  type: z
    .literal("string")
    .default("string")
    .meta({ description: "Values are rendered as text (strings, numbers and booleans are taken)." }),
  description: z.string().max(500).optional(),
  example: z.string().max(2000).optional(),
});

/** A prompt's content and settings: the draft, and each published version. */
const promptFields = z.object({
  system: z.string().max(50_000).default(""),
  template: z.string().min(1, "must not be empty").max(100_000),
  variables: z.array(variable).max(100).default([]),
  model: z.string().min(3).max(200),
  temperature: z.number().min(0).max(2).nullable().default(null),
  max_output_tokens: z.number().int().min(1).max(100_000).default(1024),
  web_search: z.boolean().default(false),
  /** Header values are exported as "[secret]": an import into another workflow must be given them (lib/workflows/tool-secrets.ts). */
  tools: toolsField.default([]),
  max_steps: maxStepsField.default(1),
});

export const workflowDocument = z
  .object({
    format: z.literal(FORMAT, { error: `must be "${FORMAT}"` }),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(""),
    draft: promptFields,
    versions: z
      .array(
        promptFields.extend({
          version: z.number().int().min(1),
          note: z.string().max(2000).default(""),
          created_at: z.string().optional(),
        }),
      )
      .max(200, "may hold at most 200 versions")
      .default([]),
    labels: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "must be a label name"), z.number().int().min(1))
      .default({})
      .meta({ description: "Label → version number (production is what the API runs; absent → unpublished)." }),
  })
  .superRefine((d, ctx) => {
    const numbers = new Set(d.versions.map((v) => v.version));
    if (numbers.size !== d.versions.length)
      ctx.addIssue({ code: "custom", path: ["versions"], message: "must not repeat a version number" });
    for (const [label, version] of Object.entries(d.labels)) {
      if (!numbers.has(version))
        ctx.addIssue({
          code: "custom",
          path: ["labels", label],
          message: `points at version ${version}, which the document does not hold`,
        });
    }
  })
  .meta({ description: "A workflow as a JSON document: draft, published versions and labels." });
export type WorkflowDocument = z.output<typeof workflowDocument>;
export type PromptFields = z.output<typeof promptFields>;

/**
 * A prompt as OpenAI's dashboard shows it: `instructions` (or system/developer and user
 * messages), `{{variables}}` (with default values), `model` and its settings.
 */
const openaiPrompt = z.looseObject({
  id: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  instructions: z.string().max(50_000).optional(),
  messages: z
    .array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(z.looseObject({ text: z.string().optional() }))]) }))
    .max(100)
    .optional(),
  input: z
    .array(z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(z.looseObject({ text: z.string().optional() }))]) }))
    .max(100)
    .optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  temperature: z.number().min(0).max(2).optional(),
  max_output_tokens: z.number().int().min(1).max(100_000).optional(),
});

/** Parses an export, a pasted OpenAI prompt (JSON), or bare instructions text. Anything else is a 400 that says why. */
export function parseWorkflowDocument(text: string, fallbackModel: string): WorkflowDocument {
  const trimmed = text.trim();
  if (!trimmed) throw new AppError("invalid_request", "The document is empty: paste an exported workflow or an OpenAI prompt");
  if (!trimmed.startsWith("{")) return fromOpenAIPrompt({ instructions: trimmed }, fallbackModel);
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    throw new AppError("invalid_request", "The document is not valid JSON (paste the whole export, or the prompt's text)");
  }
  if (json && typeof json === "object" && "format" in json) return parseInputOrThrow(workflowDocument, json);
  return fromOpenAIPrompt(parseInputOrThrow(openaiPrompt, json), fallbackModel);
}

type Message = { role: string; content: string | Array<{ text?: string }> };
const text = (c: Message["content"]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

/**
 * OpenAI's prompt → a draft: instructions and system/developer messages become the system
 * prompt; user messages the template. With no user message the template is `{{input}}`, which the
 * caller's input fills (the last user message fills the first missing variable). Variables'
 * default values become their examples; the model keeps its name under the openai provider.
 */
function fromOpenAIPrompt(p: z.output<typeof openaiPrompt>, fallbackModel: string): WorkflowDocument {
  const messages = [...(p.messages ?? []), ...(p.input ?? [])] as Message[];
  const system = [
    p.instructions ?? "",
    ...messages.filter((m) => m.role === "system" || m.role === "developer").map((m) => text(m.content)),
  ]
    .filter(Boolean)
    .join("\n\n");
  const template =
    messages
      .filter((m) => m.role === "user")
      .map((m) => text(m.content))
      .join("\n\n") || "{{input}}";
  if (!system && template === "{{input}}")
    throw new AppError("invalid_request", "The prompt has no instructions and no messages: nothing to import");
  const examples = p.variables ?? {};
  const variables = extractVariables(template, system).map((name) => {
    const example = examples[name];
    return { name, type: "string" as const, ...(typeof example === "string" ? { example: example.slice(0, 2000) } : {}) };
  });
  const model = p.model ? (p.model.includes(":") ? p.model : `openai:${p.model}`) : fallbackModel;
  return parseInputOrThrow(workflowDocument, {
    format: FORMAT,
    name: p.name ?? (p.id ? `Imported ${p.id}` : "Imported prompt"),
    draft: { system, template, variables, model, temperature: p.temperature ?? null, max_output_tokens: p.max_output_tokens ?? 1024 },
  });
}
