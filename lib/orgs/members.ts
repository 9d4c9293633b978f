import "server-only";
import { getDb } from "@/db";
import { cancelInvitationsBy, deleteMember, listMembers, lockOrgMembers, setMemberRole } from "@/db/queries/members";
import { recordAudit } from "@/lib/audit/record-audit";
import type { Actor, Role } from "@/lib/auth/org-action";
import { AppError } from "@/lib/errors";

// Changing who is in an organization and what they may do. Admins manage members and admins;
// only owners touch owners; an organization always keeps at least one owner.

export async function changeMemberRole({ actor, userId, role }: { actor: Actor; userId: string; role: Role }) {
  return updateMembers(actor, userId, async (tx, target, members, now) => {
    if (target.role === role) return { user_id: userId, role };
    guard(now, target.role, role);
    if (target.role === "owner" && members.filter((m) => m.role === "owner").length === 1) {
      throw new AppError("invalid_request", "An organization needs an owner: make someone else owner first");
    }
    await setMemberRole(tx, { orgId: actor.orgId, userId, role });
    await recordAudit(tx, {
      orgId: actor.orgId,
      actorId: actor.userId,
      action: "member.role_update",
      targetId: userId,
      details: { email: target.email, from: target.role, to: role },
    });
    return { user_id: userId, role };
  });
}

export async function removeMember({ actor, userId }: { actor: Actor; userId: string }) {
  return updateMembers(actor, userId, async (tx, target, members, now) => {
    guard(now, target.role, "member");
    if (target.role === "owner" && members.filter((m) => m.role === "owner").length === 1) {
      throw new AppError("invalid_request", "An organization needs an owner: make someone else owner first");
    }
    await deleteMember(tx, { orgId: actor.orgId, userId });
    await cancelInvitationsBy(tx, { orgId: actor.orgId, inviterId: userId });
    await recordAudit(tx, {
      orgId: actor.orgId,
      actorId: actor.userId,
      action: "member.remove",
      targetId: userId,
      details: { email: target.email, role: target.role },
    });
    return { user_id: userId, removed: true };
  });
}

/** Only an owner may make, unmake or remove an owner. */
function guard(actor: Actor, from: string, to: string) {
  if ((from === "owner" || to === "owner") && actor.role !== "owner")
    throw new AppError("forbidden", "Only an owner can change an owner's role or make an owner");
}

type Tx = Parameters<Parameters<Awaited<ReturnType<typeof getDb>>["transaction"]>[0]>[0];
type MemberRow = Awaited<ReturnType<typeof listMembers>>[number];

/** Runs a membership change with the org's member rows locked, so two changes cannot both remove "the other" owner. */
async function updateMembers<T>(
  actor: Actor,
  userId: string,
  fn: (tx: Tx, target: MemberRow, members: MemberRow[], actorNow: Actor) => Promise<T>,
) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await lockOrgMembers(tx, actor.orgId);
    const members = await listMembers(tx, actor.orgId);
    // The actor's role as of now, under the lock (it was checked before the lock was taken).
    const me = members.find((m) => m.userId === actor.userId);
    if (!me || (me.role !== "admin" && me.role !== "owner")) throw new AppError("forbidden", "This needs the admin role");
    const target = members.find((m) => m.userId === userId);
    if (!target) throw new AppError("not_found", "Member not found");
    return fn(tx, target, members, { ...actor, role: me.role });
  });
}
