import { AppError } from "@/lib/errors";
import { publicBaseUrl } from "@/lib/public-base-url";
import { getAuth } from "./auth";
import { authorizeActor, type Role } from "./org-action";
import { assertOrgActive } from "./org-suspension";
import type { UserPrincipal } from "./principal";

/** The header naming the org a dashboard request acts in (a user may belong to several). */
export const ORG_HEADER = "x-flowgate-org";

/**
 * The dashboard user behind a route-handler request (the playground): a valid login, a
 * same-origin request — the login cookie alone must not let another site spend credits — and
 * membership of the named org (else its active org) with at least `minimum`. A member of a
 * suspended org (lib/operator) is refused 403 org_suspended, like its keys: the playground spends.
 */
export async function userPrincipal(req: Request, minimum: Role = "member"): Promise<UserPrincipal> {
  const origin = req.headers.get("origin");
  if (origin && origin !== new URL(req.url).origin && origin !== publicBaseUrl(req.headers)) {
    throw new AppError("forbidden", "Cross-origin requests need an API key");
  }
  const auth = await getAuth();
  const s = await auth.api.getSession({ headers: req.headers });
  if (!s) throw new AppError("unauthorized", "Sign in to the dashboard first");
  const active = (s.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null;
  const orgId = req.headers.get(ORG_HEADER) ?? active;
  if (!orgId) throw new AppError("not_found", "Not found");
  const actor = await authorizeActor({ userId: s.user.id, orgId }, minimum);
  await assertOrgActive(actor.orgId);
  return { keyId: null, userId: actor.userId, orgId: actor.orgId, rateLimitPerMinute: null };
}
