import "server-only";
import { getDb } from "@/db";
import { insertOrg } from "@/db/queries/orgs";
import { applyLedgerEntry } from "@/lib/credits/ledger";
import { newId } from "@/lib/ids";

/** A new organization, with its opening credits as the first ledger entry. */
export async function createOrg({ name, credits = 0, id }: { name: string; credits?: number; id?: string }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const org = await insertOrg(tx, { id: id ?? newId.org(), name });
    if (credits > 0) await applyLedgerEntry(tx, { orgId: org.id, kind: "grant", note: "opening balance" }, () => credits);
    return { org_id: org.id, name: org.name, credits };
  });
}
