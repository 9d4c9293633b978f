import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { listMemberships } from "@/db/queries/members";
import { getAuth } from "./auth";
import { isAppError } from "@/lib/errors";
import { authorizeActor, TWO_FACTOR_REQUIRED, type Actor } from "./org-action";

/**
 * The signed-in user of this request (server components and actions), or null. Memoized per
 * request: the dashboard layout and its page both need it.
 */
export const currentUser = cache(async () => {
  const auth = await getAuth();
  const s = await auth.api.getSession({ headers: await headers() });
  return s
    ? { ...s.user, activeOrganizationId: (s.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null }
    : null;
});

export async function currentUserId(): Promise<string | null> {
  return (await currentUser())?.id ?? null;
}

/**
 * For dashboard pages: the user and the org they are working in (the login's active org, else
 * their first). Redirects to sign-in, or to org creation when they have none. Re-checks
 * membership: the proxy only looked for a cookie.
 */
export const requireOrgPage = cache(
  async (): Promise<
    Actor & { email: string; name: string; orgName: string; orgs: Array<{ orgId: string; name: string; role: string }> }
  > => {
    const user = await currentUser();
    if (!user) redirect("/sign-in");
    const orgs = await listMemberships(await getDb(), user.id);
    const org = orgs.find((o) => o.orgId === user.activeOrganizationId) ?? orgs[0];
    if (!org) redirect("/onboarding");
    const actor = await authorizeActor({ userId: user.id, orgId: org.orgId }, "member").catch((e: unknown) => {
      // An organization that requires two-factor sign-in sends members without it to enrol.
      if (isAppError(e) && e.message === TWO_FACTOR_REQUIRED) redirect("/account?two-factor=required");
      throw e;
    });
    return { ...actor, email: user.email, name: user.name, orgName: org.name, orgs };
  },
);
