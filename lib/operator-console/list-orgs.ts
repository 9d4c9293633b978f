import "server-only";
import { getDb } from "@/db";
import { billingFlagsByOrg, countMembersByOrg, listOrgsPage, sumRunsByOrg } from "@/db/queries/operator-console";
import { lastDays } from "./series";

export const ORGS_PAGE_SIZE = 25;
/** Deeper than this an operator searches instead: it keeps OFFSET bounded. */
export const MAX_ORGS_PAGE = 400;

export type OrgFlag = { kind: "dispute" | "billing_problem" | "refund"; label: string };

/** Turns a page number from a URL into one the list can serve (1 … MAX_ORGS_PAGE). */
export function pageNumber(raw: string | undefined) {
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? Math.min(n, MAX_ORGS_PAGE) : 1;
}

/**
 * The operator's org list: one page of orgs matching `search` (name, id or a member's e-mail),
 * each with its balance, its runs and credits charged in the last 30 days, its member count and
 * its billing flags. Five bounded queries whatever the number of orgs.
 */
export async function listOperatorOrgs({ search, page = 1 }: { search?: string; page?: number }) {
  const db = await getDb();
  const q = search?.trim().slice(0, 100) || undefined;
  const rows = await listOrgsPage(db, { search: q, limit: ORGS_PAGE_SIZE, offset: (page - 1) * ORGS_PAGE_SIZE });
  const pageRows = rows.slice(0, ORGS_PAGE_SIZE);
  const ids = pageRows.map((r) => r.id);
  const { from } = lastDays(30);
  const [usage, members, flags] = await Promise.all([
    sumRunsByOrg(db, { orgIds: ids, from }),
    countMembersByOrg(db, ids),
    billingFlagsByOrg(db, ids),
  ]);
  return {
    search: q ?? "",
    page,
    hasNext: rows.length > ORGS_PAGE_SIZE && page < MAX_ORGS_PAGE,
    orgs: pageRows.map((o) => {
      const u = usage.find((x) => x.orgId === o.id);
      const orgFlags: OrgFlag[] = [];
      const dispute = flags.flagged.find((f) => f.orgId === o.id);
      if (dispute) orgFlags.push({ kind: "dispute", label: dispute.flagReason ?? "payment disputed" });
      const problems = flags.problems.find((p) => p.orgId === o.id)?.count ?? 0;
      if (problems) orgFlags.push({ kind: "billing_problem", label: `${problems} billing problem${problems === 1 ? "" : "s"}` });
      const refunded = flags.refunds.find((r) => r.orgId === o.id)?.credits ?? 0;
      if (refunded) orgFlags.push({ kind: "refund", label: `${refunded.toLocaleString("en-US")} credits refunded` });
      return {
        id: o.id,
        name: o.name,
        balance: o.balance,
        suspended: o.suspendedAt !== null,
        suspendedReason: o.suspendedReason,
        createdAt: o.createdAt,
        runs30d: u?.runs ?? 0,
        credits30d: u?.credits ?? 0,
        members: members.find((m) => m.orgId === o.id)?.members ?? 0,
        flags: orgFlags,
      };
    }),
  };
}
