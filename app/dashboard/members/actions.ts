"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { cancelInvitation, INVITE_ROLES, inviteMember } from "@/lib/orgs/invitations";
import { changeMemberRole, removeMember } from "@/lib/orgs/members";
import { setRequireTwoFactor } from "@/lib/orgs/org-settings";
import { org } from "@/app/dashboard/action-inputs";

// The members page (admins): invitation links, roles, removal.
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const inviteMemberAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, email: z.email().max(320), role: z.enum(INVITE_ROLES) }) },
  ({ input, actor }) => inviteMember({ orgId: actor.orgId, inviterId: actor.userId, email: input.email, role: input.role }),
);

export const changeMemberRoleAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, userId: z.string().min(1), role: z.enum(["member", "admin", "owner"]) }) },
  ({ input, actor }) => changeMemberRole({ actor, userId: input.userId, role: input.role }),
);

export const removeMemberAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, userId: z.string().min(1) }) },
  ({ input, actor }) => removeMember({ actor, userId: input.userId }),
);

export const cancelInvitationAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, invitationId: z.string().min(1) }) },
  ({ input, actor }) => cancelInvitation({ orgId: actor.orgId, invitationId: input.invitationId, actorId: actor.userId }),
);

/** The org setting "members must use two-factor sign-in" (audited; an admin must have it first). */
export const setRequireTwoFactorAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, on: z.boolean() }) },
  ({ input, actor }) => setRequireTwoFactor({ orgId: actor.orgId, actorId: actor.userId, on: input.on }),
);
