import { and, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { invitation, member, organization, orgSettings, user } from "../schema";

/** A membership with what authorizing it needs: the org's two-factor rule and whether the user meets it. */
export async function getMembership(tx: DbOrTx, { orgId, userId }: { orgId: string; userId: string }) {
  const [row] = await tx
    .select({
      role: member.role,
      orgName: organization.name,
      requireTwoFactor: orgSettings.requireTwoFactor,
      twoFactorEnabled: user.twoFactorEnabled,
    })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .innerJoin(user, eq(user.id, member.userId))
    .leftJoin(orgSettings, eq(orgSettings.orgId, member.organizationId))
    .where(and(eq(member.organizationId, orgId), eq(member.userId, userId)))
    .limit(1);
  return row;
}

export async function listMemberships(tx: DbOrTx, userId: string) {
  return tx
    .select({ orgId: organization.id, name: organization.name, role: member.role })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(eq(member.userId, userId));
}

export async function listMembers(tx: DbOrTx, orgId: string) {
  return tx
    .select({ id: member.id, userId: user.id, name: user.name, email: user.email, role: member.role, joinedAt: member.createdAt })
    .from(member)
    .innerJoin(user, eq(user.id, member.userId))
    .where(eq(member.organizationId, orgId))
    .orderBy(member.createdAt);
}

export async function insertInvitation(tx: DbOrTx, values: typeof invitation.$inferInsert) {
  const [row] = await tx.insert(invitation).values(values).returning();
  return row!;
}

export async function findInvitation(tx: DbOrTx, id: string) {
  const [row] = await tx
    .select({
      id: invitation.id,
      organizationId: invitation.organizationId,
      orgName: organization.name,
      email: invitation.email,
      role: invitation.role,
      status: invitation.status,
      expiresAt: invitation.expiresAt,
    })
    .from(invitation)
    .innerJoin(organization, eq(organization.id, invitation.organizationId))
    .where(eq(invitation.id, id))
    .limit(1);
  return row;
}

export async function listPendingInvitations(tx: DbOrTx, orgId: string) {
  return tx
    .select()
    .from(invitation)
    .where(and(eq(invitation.organizationId, orgId), eq(invitation.status, "pending"), gt(invitation.expiresAt, new Date())))
    .orderBy(invitation.createdAt);
}

/** pending → accepted, once: false when it was not pending any more (a second accept). */
export async function markInvitationAccepted(tx: DbOrTx, id: string) {
  const rows = await tx
    .update(invitation)
    .set({ status: "accepted" })
    .where(and(eq(invitation.id, id), eq(invitation.status, "pending")))
    .returning({ id: invitation.id });
  return rows.length === 1;
}

/** False when the user already was a member (nothing changed). */
export async function insertMemberIfAbsent(tx: DbOrTx, values: typeof member.$inferInsert) {
  const existing = await getMembership(tx, { orgId: values.organizationId, userId: values.userId });
  if (existing) return false;
  await tx.insert(member).values(values);
  return true;
}

/** pending → canceled, for this org's invitation; false when it was not pending. */
export async function markInvitationCanceled(tx: DbOrTx, { orgId, invitationId }: { orgId: string; invitationId: string }) {
  const rows = await tx
    .update(invitation)
    .set({ status: "canceled" })
    .where(and(eq(invitation.id, invitationId), eq(invitation.organizationId, orgId), eq(invitation.status, "pending")))
    .returning({ id: invitation.id });
  return rows.length === 1;
}

/** A removed member's pending invitations die with their membership. */
export async function cancelInvitationsBy(tx: DbOrTx, { orgId, inviterId }: { orgId: string; inviterId: string }) {
  await tx
    .update(invitation)
    .set({ status: "canceled" })
    .where(and(eq(invitation.organizationId, orgId), eq(invitation.inviterId, inviterId), eq(invitation.status, "pending")));
}

/** Locks the org's membership rows (and the org row, so an empty set still serializes). */
export async function lockOrgMembers(tx: DbOrTx, orgId: string) {
  await tx.select({ id: organization.id }).from(organization).where(eq(organization.id, orgId)).for("no key update");
  await tx.select({ id: member.id }).from(member).where(eq(member.organizationId, orgId)).for("no key update");
}

export async function setMemberRole(tx: DbOrTx, { orgId, userId, role }: { orgId: string; userId: string; role: string }) {
  await tx
    .update(member)
    .set({ role })
    .where(and(eq(member.organizationId, orgId), eq(member.userId, userId)));
}

export async function deleteMember(tx: DbOrTx, { orgId, userId }: { orgId: string; userId: string }) {
  await tx.delete(member).where(and(eq(member.organizationId, orgId), eq(member.userId, userId)));
}
