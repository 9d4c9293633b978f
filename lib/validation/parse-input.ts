import type { z } from "zod";
import { AppError } from "@/lib/errors";

/**
 * Parses request input with its zod schema; the first issue becomes the 400 `invalid_request`
 * `<path> <message>`, e.g. "messages[2].role must be user, assistant or system": the schemas'
 * messages are written to complete the field name (clients may match on them).
 */
export function parseInputOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
  throw new AppError("invalid_request", path ? `${path} ${issue.message}` : issue.message);
}
