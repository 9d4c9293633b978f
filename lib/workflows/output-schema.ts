import { z } from "zod";
import { jsonTooDeep, MAX_JSON_DEPTH } from "@/lib/validation/json-depth";

// Structured output: a workflow may declare the JSON Schema its answer must match. Client-safe
// (the editor checks a schema with these same functions before it saves).

export type OutputSchema = Record<string, unknown>;

export const MAX_OUTPUT_SCHEMA_CHARS = 20_000;

/** Why a JSON Schema cannot be a workflow's output schema, or null when it can. */
export function outputSchemaIssue(s: OutputSchema): string | null {
  // First: the size check below and z.fromJSONSchema both recurse (a dashboard action or an import hands us any object).
  if (jsonTooDeep(s)) return `must nest at most ${MAX_JSON_DEPTH} levels of arrays and objects`;
  if (JSON.stringify(s).length > MAX_OUTPUT_SCHEMA_CHARS) return `must be at most ${MAX_OUTPUT_SCHEMA_CHARS} characters of JSON`;
  // Providers' structured output (OpenAI's json_schema, the Responses API's text.format) wants an object at the root.
  if (s.type !== "object") return 'must describe an object ("type": "object" at the root)';
  try {
    z.fromJSONSchema(s);
  } catch (e) {
    return `is not a JSON Schema that can be checked: ${(e as Error).message}`;
  }
  return null;
}

/** The workflow content field: a checkable JSON Schema, or null (free text). */
export const outputSchemaField = z
  .record(z.string(), z.unknown(), { error: "must be a JSON Schema object or null" })
  .nullable()
  .superRefine((s, ctx) => {
    const issue = s && outputSchemaIssue(s);
    if (issue) ctx.addIssue({ code: "custom", message: issue });
  });

// One validator per schema object: published versions are cached, so their schemas are the same objects.
const validators = new WeakMap<OutputSchema, z.ZodType>();

/**
 * Checks a model's answer against the output schema: the parsed object, or why it does not match
 * (not JSON at all, or the first schema violation with its path).
 */
export function checkOutput(schema: OutputSchema, text: string): { ok: true; output: unknown } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "The model's answer is not JSON" };
  }
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = z.fromJSONSchema(schema)));
  const parsed = validator.safeParse(value);
  if (parsed.success) return { ok: true, output: parsed.data };
  const issue = parsed.error.issues[0]!;
  return {
    ok: false,
    message: `The model's answer does not match the output schema: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
  };
}
