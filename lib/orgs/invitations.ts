import "server-only";
import { getDb } from "@/db";
import {
  findInvitation,
  getMembership,
  insertInvitation,
  insertMemberIfAbsent,
  listMembers,
  listPendingInvitations,
  markInvitationAccepted,
  markInvitationCanceled,
} from "@/db/queries/members";
import { recordAudit } from "@/lib/audit/record-audit";
import { actionResultOf } from "@/lib/auth/org-action";
import { AppError } from "@/lib/errors";
import { randomAlnum } from "@/lib/ids";
import { emailVerificationRequired } from "@/lib/auth/email-verification";
import { sendMail } from "@/lib/mail/send-mail";

// Invitations to an organization: mailed to the invited address (from the queue, committed with
// the invitation) and shown to the admin as a link to copy as well. The invitee signs in (or up)
// with the invited address and accepts. Where sign-up does not verify addresses (no SMTP), until
// the invitee has an account the link is as good as a password for that address: it is
// short-lived, single-use, and admins can withdraw it. Where it does, accepting needs a verified
// address (docs/account.md).

export const INVITE_TTL_MS = 48 * 3_600_000;
export const INVITE_ROLES = ["member", "admin"] as const;

export async function inviteMember({
  orgId,
  inviterId,
  email,
  role,
}: {
  orgId: string;
  inviterId: string;
  email: string;
  role: (typeof INVITE_ROLES)[number];
}) {
  const db = await getDb();
  const normalized = email.trim().toLowerCase();
  const members = await listMembers(db, orgId);
  if (members.some((m) => m.email.toLowerCase() === normalized)) throw new AppError("invalid_request", `${normalized} is already a member`);
  const inviter = members.find((m) => m.userId === inviterId);
  const orgName = (await getMembership(db, { orgId, userId: inviterId }))?.orgName ?? "an organization";
  const row = await db.transaction(async (tx) => {
    const inv = await insertInvitation(tx, {
      id: randomAlnum(32),
      organizationId: orgId,
      email: normalized,
      role,
      status: "pending",
      expiresAt: new Date(Date.now() + INVITE_TTL_MS),
      inviterId,
    });
    await recordAudit(tx, { orgId, actorId: inviterId, action: "member.invite", targetId: inv.id, details: { email: normalized, role } });
    await sendMail(
      {
        kind: "invitation",
        to: normalized,
        orgId,
        data: {
          orgName,
          inviterName: inviter?.name ?? "A member",
          role,
          invitationId: inv.id,
          expiresAt: `${inv.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
        },
      },
      tx,
    );
    return inv;
  });
  return {
    invitation_id: row.id,
    email: row.email,
    role: row.role,
    expires_at: row.expiresAt.toISOString(),
    path: `/invite/${row.id}`,
    emailed: true,
  };
}

/** An invitation that can still be accepted, with its org's name; otherwise null. */
export async function openInvitation(invitationId: string) {
  if (!/^[a-z0-9]{32}$/.test(invitationId)) return null;
  const inv = await findInvitation(await getDb(), invitationId);
  if (!inv || inv.status !== "pending" || inv.expiresAt.getTime() < Date.now()) return null;
  return inv;
}

/**
 * Joins the invited org. Only an account with the invited address may accept, and only once (the
 * status flips in the same transaction as the membership insert).
 */
export async function acceptInvitation({
  invitationId,
  userId,
  email,
  emailVerified = false,
}: {
  invitationId: string;
  userId: string;
  email: string;
  emailVerified?: boolean;
}) {
  const inv = await openInvitation(invitationId);
  if (!inv) throw new AppError("not_found", "This invitation is no longer valid: ask for a new one");
  if (inv.email !== email.trim().toLowerCase())
    throw new AppError("forbidden", `This invitation is for ${inv.email}: sign in with that address`);
  // An account from before verification was required may still hold an unproven address.
  if (emailVerificationRequired() && !emailVerified)
    throw new AppError("forbidden", `Verify ${inv.email} first: sign out, sign in again and ask for the verification link`);
  const db = await getDb();
  return db.transaction(async (tx) => {
    if (!(await markInvitationAccepted(tx, invitationId)))
      throw new AppError("not_found", "This invitation is no longer valid: ask for a new one");
    const added = await insertMemberIfAbsent(tx, {
      id: randomAlnum(32),
      organizationId: inv.organizationId,
      userId,
      role: inv.role ?? "member",
    });
    if (!added)
      return { org_id: inv.organizationId, role: (await getMembership(tx, { orgId: inv.organizationId, userId }))?.role ?? "member" };
    // The invitee is the actor: they accepted; the inviter is on the member.invite entry.
    await recordAudit(tx, {
      orgId: inv.organizationId,
      actorId: userId,
      action: "member.add",
      targetId: userId,
      details: { email: inv.email, role: inv.role ?? "member", invitation_id: invitationId },
    });
    return { org_id: inv.organizationId, role: inv.role ?? "member" };
  });
}

/**
 * The accept action's body (app/invite/[id]/actions.ts): the signed-in user (null when signed out),
 * not yet a member, and the action's raw input; the invitation is the grant. Answers an ActionResult.
 */
export function acceptInvitationAs(user: { id: string; email: string; emailVerified?: boolean } | null, raw: unknown) {
  return actionResultOf(async () => {
    if (!user) throw new AppError("unauthorized", "Sign in first");
    const id = (raw as { invitationId?: unknown } | null)?.invitationId;
    if (typeof id !== "string") throw new AppError("invalid_request", "invitationId: expected a string");
    return acceptInvitation({ invitationId: id, userId: user.id, email: user.email, emailVerified: user.emailVerified });
  });
}

/** Withdraws a pending invitation (its link stops working at once). */
export async function cancelInvitation({ orgId, invitationId, actorId }: { orgId: string; invitationId: string; actorId: string }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    if (!(await markInvitationCanceled(tx, { orgId, invitationId }))) throw new AppError("not_found", "Invitation not found");
    await recordAudit(tx, { orgId, actorId, action: "member.invite_cancel", targetId: invitationId });
    return { invitation_id: invitationId, canceled: true };
  });
}

export async function membersPageData(orgId: string) {
  const db = await getDb();
  const [members, invitations] = await Promise.all([listMembers(db, orgId), listPendingInvitations(db, orgId)]);
  return { members, invitations };
}
