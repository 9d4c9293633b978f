import type { z } from "zod";
import { AppError } from "@/lib/errors";

/**
 * Parses request input with its zod schema; the first issue becomes the 400 `invalid_request`.
 * - "sentence" (the default): `<path> <message>`, e.g. "messages[2].role must be user, assistant
 *   or system" — the schemas' messages are written to complete the field name (these were the
 *   hand-written checks' messages, which clients may match on);
 * - "labelled": `<path>: <message>` with zod's own messages (/runs and /usage always answered so).
 */
export function parseInputOrThrow<S extends z.ZodType>(schema: S, input: unknown, style: "sentence" | "labelled" = "sentence"): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (style === "labelled") throw new AppError("invalid_request", `${issue.path.join(".") || "query"}: ${issue.message}`);
  const path = issue.path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
  throw new AppError("invalid_request", path ? `${path} ${issue.message}` : issue.message);
}

/** The query string as an object, first value of a repeated key winning (as URLSearchParams.get does). */
export function searchParamsOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(req.url).searchParams) if (!Object.hasOwn(out, k)) out[k] = v;
  return out;
}
