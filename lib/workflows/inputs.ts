import { AppError } from "@/lib/errors";
import { inputValue } from "./schemas";

/**
 * Checks a run body against the template's variables and returns them as strings. Unknown keys
 * are ignored; a missing variable is the seed's "Missing required parameter: <name>".
 */
export function resolveInputs(variables: string[], body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of variables) {
    if (!Object.hasOwn(body, name) || body[name] === undefined) {
      throw new AppError("invalid_request", `Missing required parameter: ${name}`);
    }
    const v = body[name];
    if (inputValue.safeParse(v).success) out[name] = String(v);
    // PostgreSQL text and jsonb cannot hold NUL; found by the fuzz suite (it was a 500).
    else if (typeof v === "string") throw new AppError("invalid_request", `Invalid parameter: ${name} must not contain NUL (\\u0000) characters`);
    else {
      const kind = v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "number" ? "a non-finite number" : `an ${typeof v}`;
      throw new AppError("invalid_request", `Invalid parameter: ${name} must be a string, number or boolean, not ${kind}`);
    }
  }
  return out;
}
