import "server-only";
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import { APIError } from "better-auth/api";
import { getDb } from "@/db";
import { apiKeys, auditLog, member, organization } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";

// Account deletion (docs/account.md "Account deletion"), run by better-auth's /delete-user before
// it deletes the user row (whose foreign keys take sessions, accounts, memberships, two-factor
// and pending invitations they sent with it). The organizations' ledgers and audit entries stay:
// they name the user by id only, which from then on is a tombstone, and the audit entries lose
// the address they carried.

/** The organizations the user is the only owner of that have other members: hand them over first. */
export async function soleOwnerships(userId: string) {
  const db = await getDb();
  return db
    .select({ orgId: member.organizationId, name: organization.name })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(
      and(
        eq(member.userId, userId),
        eq(member.role, "owner"),
        sql`NOT EXISTS (SELECT 1 FROM member o WHERE o.organization_id = ${member.organizationId} AND o.user_id <> ${userId} AND o.role = 'owner')`,
        sql`EXISTS (SELECT 1 FROM member o WHERE o.organization_id = ${member.organizationId} AND o.user_id <> ${userId})`,
      ),
    );
}

export async function beforeDeleteAccount(user: { id: string; email: string }) {
  const blocking = await soleOwnerships(user.id);
  if (blocking.length) {
    throw new APIError("BAD_REQUEST", {
      code: "SOLE_OWNER",
      message: `Make someone else an owner of ${blocking.map((o) => o.name).join(", ")} first (Members), then delete your account`,
    });
  }
  const db = await getDb();
  await db.transaction(async (tx) => {
    const orgs = await tx.select({ orgId: member.organizationId }).from(member).where(eq(member.userId, user.id));
    for (const { orgId } of orgs) {
      const others = await tx
        .select({ id: member.id })
        .from(member)
        .where(and(eq(member.organizationId, orgId), ne(member.userId, user.id)))
        .limit(1);
      // An organization left with nobody in it keeps its records but can no longer spend: its keys go.
      if (!others.length)
        await tx
          .update(apiKeys)
          .set({ revokedAt: sql`now()` })
          .where(and(eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)));
      await recordAudit(tx, {
        orgId,
        actorId: user.id,
        action: "member.account_deleted",
        targetId: user.id,
        details: { keys_revoked: !others.length },
      });
    }
    // The audit log is append-only but for this: the address it carried is personal data.
    await tx
      .update(auditLog)
      .set({ details: sql`${auditLog.details} - 'email'` })
      .where(
        and(
          sql`${auditLog.details}->>'email' = ${user.email.toLowerCase()}`,
          sql`${auditLog.orgId} IN (SELECT organization_id FROM member WHERE user_id = ${user.id})`,
        ),
      );
  });
}
