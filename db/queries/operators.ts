import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { operators } from "../schema";

/** Adds an operator's address (lowercased by the caller); false when it was already there. */
export async function insertOperator(tx: DbOrTx, { email, addedBy }: { email: string; addedBy: string }) {
  const rows = await tx.insert(operators).values({ email, addedBy }).onConflictDoNothing().returning({ email: operators.email });
  return rows.length === 1;
}

/** Removes an operator's address; false when it was not there. */
export async function deleteOperator(tx: DbOrTx, email: string) {
  const rows = await tx.delete(operators).where(eq(operators.email, email)).returning({ email: operators.email });
  return rows.length === 1;
}

export async function findOperator(tx: DbOrTx, email: string) {
  const [row] = await tx.select().from(operators).where(eq(operators.email, email)).limit(1);
  return row;
}

export async function listOperatorRows(tx: DbOrTx) {
  return tx.select().from(operators).orderBy(asc(operators.email));
}
