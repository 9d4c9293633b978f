import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { orgSettings, user } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";

export async function getOrgSettings(orgId: string) {
  const [row] = await (await getDb()).select().from(orgSettings).where(eq(orgSettings.orgId, orgId)).limit(1);
  return { requireTwoFactor: row?.requireTwoFactor ?? false };
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
