import "server-only";
import type { z } from "zod";
import { actionResultOf, type ActionResult } from "@/lib/auth/org-action";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { currentUser } from "@/lib/auth/current-user";
import { operatorOr404 } from "@/lib/operator/require-operator";
import type { OperatorRef } from "@/lib/operator/operators";

/**
 * Wraps an operator console mutation (a server action: a public POST endpoint). Every call checks
 * the signed-in user is an operator first — outside the result's catch, so a non-operator gets
 * Next's 404 like the pages, not an error message that would tell the console exists — then
 * parses the input and runs `fn` with the operator who acts (for the library's audit entry). Each
 * call is also logged by `name` with the operator's address (instance changes have no org audit log).
 * `.run(user, input)` is the same pipeline for a given user, without the cookie (tests; like orgAction).
 */
export function operatorAction<S extends z.ZodType, T>(
  name: string,
  input: S,
  fn: (a: { input: z.infer<S>; operator: OperatorRef }) => Promise<T>,
) {
  const run = async (user: Parameters<typeof operatorOr404>[0], raw: unknown): Promise<ActionResult<T>> => {
    const op = await operatorOr404(user);
    return actionResultOf(async () => {
      const parsed = input.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new AppError("invalid_request", `${issue.path.join(".") || "input"}: ${issue.message}`);
      }
      const out = await fn({ input: parsed.data, operator: { userId: op.userId, label: op.label } });
      logger.info("operator action", { action: name, operator: op.label });
      return out;
    });
  };
  const action = async (raw: unknown) => run(await currentUser(), raw);
  return Object.assign(action, { run });
}
