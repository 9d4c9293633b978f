import { desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { auditLog } from "../schema";

export async function insertAuditEntry(tx: DbOrTx, values: typeof auditLog.$inferInsert) {
  const [row] = await tx.insert(auditLog).values(values).returning();
  return row!;
}

/** An org's audit entries, newest first. */
export async function listAuditEntries(tx: DbOrTx, { orgId, limit = 200 }: { orgId: string; limit?: number }) {
  return tx.select().from(auditLog).where(eq(auditLog.orgId, orgId)).orderBy(desc(auditLog.id)).limit(limit);
}
