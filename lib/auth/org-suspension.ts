import "server-only";
import { getDb } from "@/db";
import { findOrgSuspension } from "@/db/queries/orgs";
import { orgSuspendedError } from "@/lib/errors";

// An operator's suspension of an org (lib/operator), as the rest of the app sees it. The API's keys
// and stream tokens carry it on their cached lookup (lib/auth/api-keys.ts); these read the org row.

/** The org's suspension (reason and since when), or null when it is active. */
export async function orgSuspension(orgId: string) {
  return findOrgSuspension(await getDb(), orgId);
}

/** Throws 403 org_suspended ("Organization suspended: <reason>") when the org is suspended: for what spends or arms spending. */
export async function assertOrgActive(orgId: string) {
  const s = await orgSuspension(orgId);
  if (s) throw orgSuspendedError(s.reason);
}
