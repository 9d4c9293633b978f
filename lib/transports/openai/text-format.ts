import { AppError } from "@/lib/errors";
import type { OutputSchema } from "@/lib/workflows/output-schema";

// The Responses API's `text.format` against a workflow's own output: the workflow decides what it
// answers (as OpenAI's prompts did), so a caller's format is accepted only when it says the same.

export type TextFormat = Record<string, unknown> & { type: string };

const invalid = (param: string, message: string) => new AppError("invalid_request", `Invalid parameter: ${param} ${message}`, { param });

/**
 * The format the response reports, after checking the one the caller sent (the raw object, its
 * keys exactly as sent): plain text is always fine (a structured workflow's text is its JSON);
 * json_schema must be the workflow's own output schema, json_object a workflow that has one.
 */
export function checkTextFormat(sent: TextFormat | undefined, schema: OutputSchema | null): TextFormat {
  const own: TextFormat = schema ? { type: "json_schema", name: "output", schema, strict: true } : { type: "text" };
  if (sent === undefined || sent.type === "text") return own;
  if (sent.type !== "json_schema" && sent.type !== "json_object")
    throw invalid("text.format.type", "must be text, json_schema or json_object");
  if (!schema) throw invalid("text.format", `is ${sent.type}, but this workflow has no output schema: it answers free text`);
  if (sent.type === "json_schema") {
    const at = firstDifference(schema, sent.schema, "");
    if (at) throw invalid("text.format.schema", `does not match this workflow's output schema at ${at}`);
  }
  return sent;
}

/** Where two JSON values first differ ("properties.stars.maximum: expected 5, got 10"), or null. */
function firstDifference(want: unknown, got: unknown, path: string): string | null {
  if (isObject(want) && isObject(got) && Array.isArray(want) === Array.isArray(got)) {
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
      const d = firstDifference(own(want, k), own(got, k), path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(want, got) ? null : `${path || "(root)"}: expected ${describe(want)}, got ${describe(got)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
const own = (o: Record<string, unknown>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
const describe = (v: unknown) =>
  v === undefined ? "nothing" : Array.isArray(v) ? "an array" : isObject(v) ? "an object" : JSON.stringify(v).slice(0, 80);
