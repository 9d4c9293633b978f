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
export const outputSchemaField = z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object or null" }).nullable()
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
  return { ok: false, message: `The model's answer does not match the output schema: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
}

type Schema = Record<string, unknown>;

/**
 * A value that matches the schema, built from it (the offline model's structured answer): consts
 * and first enum values, minimums, one item per array (or its minimum), every declared property.
 * Patterns and formats other than date-time are not honoured. The example is built within a
 * budget of values and characters: an author's `minItems` / `minLength` (nested, they multiply)
 * must not make an offline run allocate gigabytes; past the budget the example simply stops
 * matching the schema and the run fails `output_invalid`.
 */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0, budget = { values: 10_000, chars: 1_000_000 }): unknown {
  if (!schema || typeof schema !== "object" || depth > 16 || --budget.values < 0) return null;
  const s = schema as Schema;
  const sub = (x: unknown) => exampleOf(x, root, depth + 1, budget);
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
    return sub(s.$ref.slice(2).split("/").reduce<unknown>((o, k) => (o as Schema | undefined)?.[k], root));
  }
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const k of ["anyOf", "oneOf", "allOf"]) if (Array.isArray(s[k])) return sub((s[k] as unknown[])[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const num = (n: unknown) => (typeof n === "number" ? n : undefined);
  switch (type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, p]) => [k, sub(p)]));
    }
    case "array": {
      const n = Math.min(Math.max(num(s.minItems) ?? 1, 0), num(s.maxItems) ?? Infinity, Math.max(budget.values, 0));
      return Array.from({ length: n }, () => sub(s.items));
    }
    case "string": {
      if (s.format === "date-time") return "2026-01-01T00:00:00Z";
      const min = Math.min(num(s.minLength) ?? 0, Math.max(budget.chars, 0));
      budget.chars -= Math.max(min, 7);
      return "example".padEnd(min, "e").slice(0, num(s.maxLength) ?? Infinity);
    }
    case "integer":
    case "number": {
      const low = num(s.minimum) ?? (num(s.exclusiveMinimum) !== undefined ? num(s.exclusiveMinimum)! + 1 : undefined);
      return Math.min(low ?? 0, num(s.maximum) ?? Infinity);
    }
    case "boolean": return true;
    default: return null;
  }
}
