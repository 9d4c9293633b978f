import { count, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { member, openingGrants, organization, orgs, user } from "../schema";

export async function insertOrg(tx: DbOrTx, values: { id: string; name: string }) {
  const [org] = await tx.insert(orgs).values(values).returning();
  return org!;
}

export async function getOrg(tx: DbOrTx, orgId: string) {
  const [org] = await tx.select().from(orgs).where(eq(orgs.id, orgId)).limit(1);
  return org;
}

export async function countOrgs(tx: DbOrTx) {
  const rows = await tx.select({ id: orgs.id }).from(orgs).limit(1);
  return rows.length;
}

/** Locks the org row for the rest of the transaction: every balance change goes through it. */
export async function lockOrgBalance(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select({ balance: orgs.creditBalance }).from(orgs).where(eq(orgs.id, orgId)).for("update");
  return row?.balance;
}

export async function setOrgBalance(tx: DbOrTx, orgId: string, balance: number) {
  await tx.update(orgs).set({ creditBalance: balance }).where(eq(orgs.id, orgId));
}

/** Serializes one user's organization creations (the limit below is counted under it). */
export async function lockUser(tx: DbOrTx, userId: string) {
  await tx.select({ id: user.id }).from(user).where(eq(user.id, userId)).for("no key update");
}

/** The user's memberships of organizations that have our orgs row (a creation in flight has none yet). */
export async function countAdmittedOrgs(tx: DbOrTx, userId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(member)
    .innerJoin(orgs, eq(orgs.id, member.organizationId))
    .where(eq(member.userId, userId));
  return row!.n;
}

/** True the first time for a user, ever; false afterwards. */
export async function claimOpeningGrant(tx: DbOrTx, { userId, orgId }: { userId: string; orgId: string }) {
  const rows = await tx.insert(openingGrants).values({ userId, orgId }).onConflictDoNothing().returning({ userId: openingGrants.userId });
  return rows.length === 1;
}

/** better-auth's organization row (its memberships go with it): for a creation we refused. */
export async function deleteOrganization(tx: DbOrTx, orgId: string) {
  await tx.delete(organization).where(eq(organization.id, orgId));
}

/** The org's judge model for evals (null: the instance's default); the org's id if it exists. */
export async function setOrgJudgeModel(tx: DbOrTx, { orgId, model }: { orgId: string; model: string | null }) {
  const [row] = await tx.update(orgs).set({ judgeModel: model }).where(eq(orgs.id, orgId)).returning({ id: orgs.id });
  return row;
}

/** The org's suspension (lib/operator): its reason, or null when the org is active or unknown. */
export async function findOrgSuspension(tx: DbOrTx, orgId: string): Promise<{ reason: string; since: Date } | null> {
  const [row] = await tx.select({ at: orgs.suspendedAt, reason: orgs.suspendedReason }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  return row?.at ? { reason: row.reason ?? "", since: row.at } : null;
}

/** Locks the org row and reads its suspension (undefined: no such org). */
export async function lockOrgSuspension(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select({ at: orgs.suspendedAt, reason: orgs.suspendedReason }).from(orgs).where(eq(orgs.id, orgId)).for("update");
  return row;
}

/** Suspends (a reason) or restores (null) the org. */
export async function setOrgSuspension(tx: DbOrTx, orgId: string, suspension: { at: Date; reason: string } | null) {
  await tx
    .update(orgs)
    .set({ suspendedAt: suspension?.at ?? null, suspendedReason: suspension?.reason ?? null })
    .where(eq(orgs.id, orgId));
}

/** The org's tool signing secret, made from `candidate` on first use (one statement: concurrent first uses agree). */
export async function ensureToolSigningSecret(tx: DbOrTx, { orgId, candidate }: { orgId: string; candidate: string }) {
  const [row] = await tx
    .update(orgs)
    .set({ toolSigningSecret: sql`coalesce(${orgs.toolSigningSecret}, ${candidate})` })
    .where(eq(orgs.id, orgId))
    .returning({ secret: orgs.toolSigningSecret });
  return row?.secret ?? null;
}

/**
 * The org's tool signing secrets (sealed): the current one, and the one a rotation replaced while
 * it still signs (`overlapMs` after the rotation, by the database's clock). Undefined: no such org.
 */
export async function readToolSigningSecrets(tx: DbOrTx, { orgId, overlapMs }: { orgId: string; overlapMs: number }) {
  const [row] = await tx
    .select({
      secret: orgs.toolSigningSecret,
      previous: sql<
        string | null
      >`case when ${orgs.toolSigningSecretRotatedAt} > now() - make_interval(secs => ${overlapMs / 1000}) then ${orgs.toolSigningSecretPrevious} end`,
    })
    .from(orgs)
    .where(eq(orgs.id, orgId));
  return row;
}

/**
 * Replaces the org's tool signing secret with `candidate` in one statement: the one it replaces
 * (none if it was never made) becomes the previous one, `rotatedAt` now. Null: no such org.
 */
export async function rotateToolSigningSecret(tx: DbOrTx, { orgId, candidate }: { orgId: string; candidate: string }) {
  const [row] = await tx
    .update(orgs)
    .set({
      toolSigningSecretPrevious: sql`${orgs.toolSigningSecret}`,
      toolSigningSecret: candidate,
      toolSigningSecretRotatedAt: sql`now()`,
    })
    .where(eq(orgs.id, orgId))
    .returning({ rotatedAt: orgs.toolSigningSecretRotatedAt, previous: orgs.toolSigningSecretPrevious });
  return row ? { rotatedAt: row.rotatedAt, hadPrevious: row.previous !== null } : null;
}
