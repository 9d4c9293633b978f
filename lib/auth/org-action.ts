import "server-only";
import type { z } from "zod";
import { getDb } from "@/db";
import { getMembership } from "@/db/queries/members";
import { AppError, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";

// Dashboard authorization. Server actions are public POST endpoints, so every call re-resolves
// the login, the membership of the org it names, and the role. Another org's objects — and an
// org the user is not in — are "not found", never "forbidden", so nothing leaks.

export const ROLES = ["member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];
export type Actor = { userId: string; orgId: string; role: Role };

/** The refusal for a member of an organization that requires two-factor sign-in, without it (pages redirect on it). */
export const TWO_FACTOR_REQUIRED = "This organization requires two-factor sign-in: set it up under Account (/account) first";

export async function authorizeActor({ userId, orgId }: { userId: string; orgId: string }, minimum: Role): Promise<Actor> {
  const m = typeof orgId === "string" && orgId ? await getMembership(await getDb(), { orgId, userId }) : undefined;
  if (!m) throw new AppError("not_found", "Not found");
  if (m.requireTwoFactor && !m.twoFactorEnabled) throw new AppError("forbidden", TWO_FACTOR_REQUIRED);
  const role = (ROLES.includes(m.role as Role) ? m.role : "member") as Role;
  if (ROLES.indexOf(role) < ROLES.indexOf(minimum)) throw new AppError("forbidden", `This needs the ${minimum} role`);
  return { userId, orgId, role };
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

/** The pipeline's catch, shared: AppErrors become their code and message, anything else is logged. */
export async function actionResultOf<T>(fn: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await fn() };
  } catch (e) {
    if (isAppError(e)) return { ok: false, error: { code: e.code, message: e.message } };
    logger.error("dashboard action failed", { err: e });
    return { ok: false, error: { code: "internal_error", message: "Something went wrong" } };
  }
}

/**
 * Wraps a dashboard mutation: parse the input (which names the org), resolve the signed-in user
 * (`currentUserId`, from the login cookie in a server action), check membership and role, run.
 * `.run(userId, input)` is the same pipeline without the cookie, for tests.
 */
export function orgAction<S extends z.ZodType<{ orgId: string }>, T>(
  opts: { role: Role; input: S; currentUserId: () => Promise<string | null> },
  fn: (a: { input: z.infer<S>; actor: Actor }) => Promise<T>,
) {
  const run = (userId: string | null, raw: unknown): Promise<ActionResult<T>> =>
    actionResultOf(async () => {
      if (!userId) throw new AppError("unauthorized", "Sign in first");
      const parsed = opts.input.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new AppError("invalid_request", `${issue.path.join(".") || "input"}: ${issue.message}`);
      }
      const actor = await authorizeActor({ userId, orgId: parsed.data.orgId }, opts.role);
      return fn({ input: parsed.data, actor });
    });
  const action = async (raw: unknown) => run(await opts.currentUserId(), raw);
  return Object.assign(action, { run });
}
