import type { z } from "zod";
import { AppError } from "@/lib/errors";

/**
 * Parses input with its zod schema; the first issue becomes the 400 `invalid_request`. Our own
 * messages are written to complete the field name and start in lower case: `<path> <message>`,
 * e.g. "messages[2].role must be user, assistant or system" (clients may match on them). zod's
 * own messages are sentences of their own: `<path>: <message>`, e.g. "name: Too small: …".
 */
export function parseInputOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
  const completes = /^[a-z]/.test(issue.message);
  throw new AppError("invalid_request", path ? `${path}${completes ? " " : ": "}${issue.message}` : issue.message);
}
