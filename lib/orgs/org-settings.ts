import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { orgSettings, orgs, user } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { setStoragePolicy } from "@/db/queries/retention";
import { forgetStoragePolicy } from "@/lib/retention/storage-policy";

export async function getOrgSettings(orgId: string) {
  const [row] = await (await getDb()).select().from(orgSettings).where(eq(orgSettings.orgId, orgId)).limit(1);
  return { requireTwoFactor: row?.requireTwoFactor ?? false, retentionDays: row?.retentionDays ?? null, maskPii: row?.maskPii ?? false };
}

/**
 * "Members must use two-factor sign-in": members without it are sent to enrol (lib/auth/session.ts)
 * and refused by every action until they have. The admin turning it on must have it already, or
 * the next page would lock them out of the organization they just changed.
 */
export async function setRequireTwoFactor({ orgId, actorId, on }: { orgId: string; actorId: string; on: boolean }) {
  const db = await getDb();
  if (on) {
    const [me] = await db.select({ enabled: user.twoFactorEnabled }).from(user).where(eq(user.id, actorId));
    if (!me?.enabled) throw new AppError("invalid_request", "Turn on two-factor sign-in for your own account first (Account)");
  }
  return db.transaction(async (tx) => {
    await tx
      .insert(orgSettings)
      .values({ orgId, requireTwoFactor: on })
      .onConflictDoUpdate({ target: orgSettings.orgId, set: { requireTwoFactor: on, updatedAt: sql`now()` } });
    await recordAudit(tx, { orgId, actorId, action: "org.settings_update", targetId: orgId, details: { require_two_factor: on } });
    return { require_two_factor: on };
  });
}

/** The longest retention one may set (about 10 years); longer is "forever" (null). */
export const MAX_RETENTION_DAYS = 3650;

/**
 * "Keep run inputs and outputs for N days" (null: forever; 0: only metering) and "mask personal
 * data in stored runs" (README, "Retention and masking"). Audited. Runs started from then on store
 * masked (within the lookup cache's bound on other instances); the retention sweeper applies the
 * days to every finished run, older ones included.
 */
export async function setStorageSettings({
  orgId,
  actorId,
  retentionDays,
  maskPii,
}: {
  orgId: string;
  actorId: string | null;
  retentionDays?: number | null;
  maskPii?: boolean;
}) {
  if (retentionDays != null && (!Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > MAX_RETENTION_DAYS))
    throw new AppError("invalid_request", `Retention must be a whole number of days from 0 to ${MAX_RETENTION_DAYS}, or empty (forever)`);
  const db = await getDb();
  const [org] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!org) throw new AppError("not_found", "Organization not found");
  const result = await db.transaction(async (tx) => {
    await setStoragePolicy(tx, orgId, { retentionDays, maskPii });
    const details: Record<string, unknown> = {};
    if (retentionDays !== undefined) details.retention_days = retentionDays;
    if (maskPii !== undefined) details.mask_pii = maskPii;
    await recordAudit(tx, { orgId, actorId, action: "org.settings_update", targetId: orgId, details });
    return details;
  });
  forgetStoragePolicy(orgId);
  return result;
}
