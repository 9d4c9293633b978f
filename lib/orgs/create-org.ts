import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { claimOpeningGrant, countAdmittedOrgs, insertOrg, lockUser } from "@/db/queries/orgs";
import { applyLedgerEntry } from "@/lib/credits/ledger";
import { getEnv } from "@/lib/env";
import { newId } from "@/lib/ids";

/** A dashboard user may be in at most this many organizations when creating one (a script must not mint them in bulk). */
export const MAX_ORGS_PER_USER = 10;

/** A new organization, with its opening credits as the first ledger entry (admin CLI, first-run seed, tests). */
export async function createOrg({ name, credits = 0, id }: { name: string; credits?: number; id?: string }) {
  const db = await getDb();
  return db.transaction((tx) => insertOrgWithCredits(tx, { id: id ?? newId.org(), name, credits }));
}

/**
 * Our orgs row for an organization a dashboard user just created (better-auth has committed its
 * organization and the creator's membership, in statements of its own). Under a lock on the user,
 * so concurrent creations are counted one after another: at most MAX_ORGS_PER_USER organizations
 * with our row, and the opening credits once per user, ever (opening_grants), granted in the same
 * transaction as the row. Returns false when refused: the caller removes better-auth's organization.
 */
export async function admitUserOrg({ id, name, userId }: { id: string; name: string; userId: string }): Promise<boolean> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await lockUser(tx, userId);
    if ((await countAdmittedOrgs(tx, userId)) >= MAX_ORGS_PER_USER) return false;
    const opening = await claimOpeningGrant(tx, { userId, orgId: id });
    await insertOrgWithCredits(tx, { id, name, credits: opening ? getEnv().SIGNUP_CREDITS : 0 });
    return true;
  });
}

async function insertOrgWithCredits(tx: DbOrTx, { id, name, credits }: { id: string; name: string; credits: number }) {
  const org = await insertOrg(tx, { id, name });
  if (credits > 0) await applyLedgerEntry(tx, { orgId: org.id, kind: "grant", note: "opening balance" }, () => credits);
  return { org_id: org.id, name: org.name, credits };
}
