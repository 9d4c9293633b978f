import "server-only";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { getOrg } from "@/db/queries/orgs";
import { usagePerDay } from "@/db/queries/runs";
import { listLedgerPage, listOrgKeys, listOrgMembers, webhookHealthOfOrg } from "@/db/queries/operator-console";
import { fillSeries, lastDays } from "./series";

export const LEDGER_PAGE_SIZE = 50;
export const MAX_LEDGER_PAGE = 200;
const WEBHOOK_WINDOW_DAYS = 7;

/** One org as the operator sees it, or null when there is none. The ledger is paged (`ledgerPage`, from 1). */
export async function operatorOrgDetail(orgId: string, { ledgerPage = 1 }: { ledgerPage?: number } = {}) {
  const db = await getDb();
  const org = await getOrg(db, orgId);
  if (!org) return null;
  const page = Math.min(Math.max(1, ledgerPage), MAX_LEDGER_PAGE);
  const { from, keys } = lastDays(30);
  const [perDay, ledger, apiKeys, webhooks, audit, members] = await Promise.all([
    usagePerDay(db, { orgId, from }),
    listLedgerPage(db, { orgId, limit: LEDGER_PAGE_SIZE, offset: (page - 1) * LEDGER_PAGE_SIZE }),
    listOrgKeys(db, orgId),
    webhookHealthOfOrg(db, { orgId, from: new Date(Date.now() - WEBHOOK_WINDOW_DAYS * 86_400_000) }),
    listAuditEntries(db, { orgId, limit: 50 }),
    listOrgMembers(db, orgId),
  ]);
  return {
    org: {
      id: org.id,
      name: org.name,
      balance: org.creditBalance,
      suspended: org.suspendedAt !== null,
      suspendedAt: org.suspendedAt,
      suspendedReason: org.suspendedReason,
      createdAt: org.createdAt,
    },
    members,
    days: fillSeries(
      keys,
      perDay,
      (d) => d.day,
      (day) => ({ day, runs: 0, tokens: 0, credits: 0 }),
    ),
    ledger: {
      page,
      hasNext: ledger.length > LEDGER_PAGE_SIZE && page < MAX_LEDGER_PAGE,
      entries: ledger.slice(0, LEDGER_PAGE_SIZE).map((e) => ({
        id: e.id,
        kind: e.kind,
        amount: e.amount,
        balanceAfter: e.balanceAfter,
        runId: e.runId,
        note: e.note,
        createdAt: e.createdAt,
      })),
    },
    keys: apiKeys,
    webhooks,
    webhookWindowDays: WEBHOOK_WINDOW_DAYS,
    audit,
  };
}
