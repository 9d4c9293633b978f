import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db";
import { billingAccounts, orgs } from "@/db/schema";

/** Under this many credits the dashboard warns, unless the org's auto top-up threshold says otherwise. */
export const LOW_BALANCE_CREDITS = 1000;

/** The dashboard's banner: "empty" at zero or below, "low" under the threshold, null otherwise. */
export async function lowBalance(orgId: string): Promise<{ level: "empty" | "low"; balance: number } | null> {
  const db = await getDb();
  const [row] = await db
    .select({ balance: orgs.creditBalance, threshold: billingAccounts.autoTopUpThreshold })
    .from(orgs)
    .leftJoin(billingAccounts, eq(billingAccounts.orgId, orgs.id))
    .where(eq(orgs.id, orgId));
  if (!row) return null;
  if (row.balance <= 0) return { level: "empty", balance: row.balance };
  if (row.balance < (row.threshold ?? LOW_BALANCE_CREDITS)) return { level: "low", balance: row.balance };
  return null;
}
