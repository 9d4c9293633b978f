"use server";

import type { ActionResult } from "@/lib/auth/org-action";
import { currentUser } from "@/lib/auth/current-user";
import { acceptInvitationAs } from "@/lib/orgs/invitations";

// The invitation link's page.

/** Accepting needs a login but no membership yet: the invitation is what grants it. */
export async function acceptInvitationAction(raw: unknown): Promise<ActionResult<{ org_id: string; role: string }>> {
  const user = await currentUser();
  return acceptInvitationAs(user, raw);
}
