import { z } from "zod";
import { MAX_TOOL_ARGUMENT_CHARS } from "./bounds";

// The model's arguments are checked against the tool's JSON Schema before any HTTP or MCP call: a
// call that does not match is answered with an error result (the model may try again), and no
// request leaves. Validators are compiled once per schema object (a version's tools are cached
// with it, lib/workflows/published-cache.ts).
const validators = new WeakMap<object, z.ZodType>();

export type CheckedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

export function checkToolArguments(schema: Record<string, unknown>, input: string): CheckedArguments {
  if (input.length > MAX_TOOL_ARGUMENT_CHARS) return { ok: false, message: `arguments are over ${MAX_TOOL_ARGUMENT_CHARS} characters` };
  let value: unknown;
  try {
    value = input.trim() === "" ? {} : JSON.parse(input);
  } catch {
    return { ok: false, message: "arguments are not JSON" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, message: "arguments must be a JSON object" };
  let validator = validators.get(schema);
  if (!validator) {
    try {
      validator = z.fromJSONSchema(schema);
    } catch {
      // A schema zod cannot compile (saved before it was checked this way): the object shape is all we check.
      validator = z.record(z.string(), z.unknown());
    }
    validators.set(schema, validator);
  }
  const parsed = validator.safeParse(value);
  if (parsed.success) return { ok: true, value: value as Record<string, unknown> };
  const issue = parsed.error.issues[0]!;
  return { ok: false, message: `arguments do not match the schema: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
}
