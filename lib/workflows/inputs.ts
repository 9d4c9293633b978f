import { AppError } from "@/lib/errors";
import { invalidValueMessage, valueSchema, type TypedVariable } from "./variable-types";

/**
 * Checks a run body against the template's typed variables and returns each as the text the
 * template renders (lib/workflows/variable-types.ts). Unknown keys are ignored; a missing variable
 * is the seed's "Missing required parameter: <name>"; a value of the wrong type names the variable
 * and what it must be.
 */
export function resolveInputs(variables: TypedVariable[], body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of variables) {
    if (!Object.hasOwn(body, v.name) || body[v.name] === undefined) {
      throw new AppError("invalid_request", `Missing required parameter: ${v.name}`);
    }
    const value = body[v.name];
    const parsed = valueSchema(v).safeParse(value);
    if (!parsed.success) throw new AppError("invalid_request", invalidValueMessage(v, value, parsed.error.issues[0]?.message));
    out[v.name] = parsed.data;
  }
  return out;
}
