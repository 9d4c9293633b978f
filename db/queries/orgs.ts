import { eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { orgs } from "../schema";

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
  const [row] = await tx
    .select({ balance: orgs.creditBalance })
    .from(orgs)
    .where(eq(orgs.id, orgId))
    .for("update");
  return row?.balance;
}

export async function setOrgBalance(tx: DbOrTx, orgId: string, balance: number) {
  await tx.update(orgs).set({ creditBalance: balance }).where(eq(orgs.id, orgId));
}
