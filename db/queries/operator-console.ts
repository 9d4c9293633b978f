import { and, asc, desc, eq, gte, ilike, inArray, isNotNull, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../index";
import {
  apiKeys,
  billingAccounts,
  billingProblems,
  creditLedger,
  creditPurchases,
  jobs,
  mailDeliveries,
  member,
  orgs,
  RUN_STATUSES,
  runs,
  user,
  webhookDeliveries,
  webhookEndpoints,
} from "../schema";

// The operator console's reads (app/operator, through lib/operator-console). Every one is bounded:
// a page of orgs at a time, aggregates only over that page's ids or over a time window that an
// index leads with, and row lists with a limit.

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function orgSearch(search: string | undefined): SQL | undefined {
  if (!search) return undefined;
  const pattern = likePattern(search);
  // A member's e-mail: the orgs of the users whose address contains the text (one semi-join, not a subquery per org).
  const byMember = inArray(
    orgs.id,
    sql`(select ${member.organizationId} from ${member} join ${user} on ${user.id} = ${member.userId} where ${user.email} ilike ${pattern})`,
  );
  return or(ilike(orgs.name, pattern), ilike(orgs.id, pattern), byMember);
}

/** One page of orgs, newest first, matching `search` (name, id or a member's e-mail). `limit + 1` rows tell if there is a next page. */
export async function listOrgsPage(tx: DbOrTx, { search, limit, offset }: { search?: string; limit: number; offset: number }) {
  return tx
    .select({
      id: orgs.id,
      name: orgs.name,
      balance: orgs.creditBalance,
      suspendedAt: orgs.suspendedAt,
      suspendedReason: orgs.suspendedReason,
      createdAt: orgs.createdAt,
    })
    .from(orgs)
    .where(orgSearch(search))
    .orderBy(desc(orgs.createdAt), desc(orgs.id))
    .limit(limit + 1)
    .offset(offset);
}

/** Runs and credits charged per org since `from`, for the orgs named (runs_org_id_created_at_idx). */
export async function sumRunsByOrg(tx: DbOrTx, { orgIds, from }: { orgIds: string[]; from: Date }) {
  if (!orgIds.length) return [];
  return tx
    .select({
      orgId: runs.orgId,
      runs: sql<number>`count(*)::int`,
      credits: sql<number>`coalesce(sum(${runs.creditsCharged}), 0)::bigint`.mapWith(Number),
    })
    .from(runs)
    .where(and(inArray(runs.orgId, orgIds), gte(runs.createdAt, from)))
    .groupBy(runs.orgId);
}

export async function countMembersByOrg(tx: DbOrTx, orgIds: string[]) {
  if (!orgIds.length) return [];
  return tx
    .select({ orgId: member.organizationId, members: sql<number>`count(*)::int` })
    .from(member)
    .where(inArray(member.organizationId, orgIds))
    .groupBy(member.organizationId);
}

/**
 * What lib/billing records for the operator, per org: a dispute flag (billing_accounts), billing
 * problems (Stripe events to look at) and credits taken back by refunds.
 */
export async function billingFlagsByOrg(tx: DbOrTx, orgIds: string[]) {
  if (!orgIds.length) return { flagged: [], problems: [], refunds: [] };
  const [flagged, problems, refunds] = await Promise.all([
    tx
      .select({ orgId: billingAccounts.orgId, flaggedAt: billingAccounts.flaggedAt, flagReason: billingAccounts.flagReason })
      .from(billingAccounts)
      .where(and(inArray(billingAccounts.orgId, orgIds), isNotNull(billingAccounts.flaggedAt))),
    tx
      .select({ orgId: sql<string>`${billingProblems.orgId}`, count: sql<number>`count(*)::int` })
      .from(billingProblems)
      .where(inArray(billingProblems.orgId, orgIds))
      .groupBy(billingProblems.orgId),
    tx
      .select({
        orgId: creditPurchases.orgId,
        credits: sql<number>`coalesce(sum(${creditPurchases.creditsRefunded}), 0)::bigint`.mapWith(Number),
      })
      .from(creditPurchases)
      .where(and(inArray(creditPurchases.orgId, orgIds), sql`${creditPurchases.creditsRefunded} > 0`))
      .groupBy(creditPurchases.orgId),
  ]);
  return { flagged, problems, refunds };
}

export async function listOrgMembers(tx: DbOrTx, orgId: string, limit = 100) {
  return tx
    .select({ userId: user.id, name: user.name, email: user.email, role: member.role, joinedAt: member.createdAt })
    .from(member)
    .innerJoin(user, eq(user.id, member.userId))
    .where(eq(member.organizationId, orgId))
    .orderBy(asc(member.createdAt))
    .limit(limit);
}

/** A page of the org's ledger, newest first; `limit + 1` rows tell if there is an older page. */
export async function listLedgerPage(tx: DbOrTx, { orgId, limit, offset }: { orgId: string; limit: number; offset: number }) {
  return tx
    .select()
    .from(creditLedger)
    .where(eq(creditLedger.orgId, orgId))
    .orderBy(desc(creditLedger.createdAt), desc(creditLedger.id))
    .limit(limit + 1)
    .offset(offset);
}

/** The org's keys with their display prefix: never the hash. */
export async function listOrgKeys(tx: DbOrTx, orgId: string, limit = 200) {
  return tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.orgId, orgId))
    .orderBy(desc(apiKeys.createdAt))
    .limit(limit);
}

/** Each of the org's webhook endpoints (never its secret) with its deliveries since `from` counted by status. */
export async function webhookHealthOfOrg(tx: DbOrTx, { orgId, from }: { orgId: string; from: Date }) {
  const endpoints = await tx
    .select({
      id: webhookEndpoints.id,
      url: webhookEndpoints.url,
      failingSince: webhookEndpoints.failingSince,
      disabledAt: webhookEndpoints.disabledAt,
      disabledReason: webhookEndpoints.disabledReason,
      circuitOpenUntil: webhookEndpoints.circuitOpenUntil,
    })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.orgId, orgId))
    .orderBy(asc(webhookEndpoints.createdAt))
    .limit(100);
  if (!endpoints.length) return [];
  const counts = await tx
    .select({ endpointId: webhookDeliveries.endpointId, status: webhookDeliveries.status, count: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(
      and(
        inArray(
          webhookDeliveries.endpointId,
          endpoints.map((e) => e.id),
        ),
        gte(webhookDeliveries.createdAt, from),
      ),
    )
    .groupBy(webhookDeliveries.endpointId, webhookDeliveries.status);
  return endpoints.map((e) => {
    const of = (s: string) => counts.find((c) => c.endpointId === e.id && c.status === s)?.count ?? 0;
    return { ...e, delivered: of("delivered"), failed: of("failed"), pending: of("pending") };
  });
}

// ---- Instance health ----

/** The job queue per kind: how many jobs, how many due now, how many leased, and the oldest's enqueue time. */
export async function jobQueueByKind(tx: DbOrTx) {
  return tx
    .select({
      kind: jobs.kind,
      depth: sql<number>`count(*)::int`,
      due: sql<number>`(count(*) filter (where ${jobs.runAt} <= now()))::int`,
      leased: sql<number>`(count(*) filter (where ${jobs.lockedUntil} > now()))::int`,
      oldest: sql<Date | null>`min(${jobs.createdAt})`.mapWith((v) => (v === null ? null : new Date(v))),
    })
    .from(jobs)
    .groupBy(jobs.kind)
    .orderBy(jobs.kind);
}

const minute = (col: SQL | typeof runs.createdAt) => sql<string>`to_char(date_trunc('minute', ${col} at time zone 'UTC'), 'HH24:MI')`;

/**
 * Runs started and runs failed per UTC minute since `from`. `status in (every status)` lets the
 * planner walk runs_status_created_at_idx by its second column instead of scanning the table.
 */
export async function runsPerMinute(tx: DbOrTx, { from }: { from: Date }) {
  const m = minute(runs.createdAt);
  return tx
    .select({
      minute: m,
      runs: sql<number>`count(*)::int`,
      errors: sql<number>`(count(*) filter (where ${runs.status} = 'failed'))::int`,
    })
    .from(runs)
    .where(and(inArray(runs.status, [...RUN_STATUSES]), gte(runs.createdAt, from)))
    .groupBy(m)
    .orderBy(m);
}

/** Webhook deliveries created since `from`, per UTC hour and status (instance-wide). */
export async function webhookDeliveriesPerHour(tx: DbOrTx, { from }: { from: Date }) {
  const hour = sql<string>`to_char(date_trunc('hour', ${webhookDeliveries.createdAt} at time zone 'UTC'), 'YYYY-MM-DD HH24:00')`;
  return tx
    .select({
      hour,
      delivered: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'delivered'))::int`,
      failed: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'failed'))::int`,
      pending: sql<number>`(count(*) filter (where ${webhookDeliveries.status} = 'pending'))::int`,
    })
    .from(webhookDeliveries)
    .where(gte(webhookDeliveries.createdAt, from))
    .groupBy(hour)
    .orderBy(hour);
}

/** Mail since `from`, counted by status. */
export async function mailByStatus(tx: DbOrTx, { from }: { from: Date }) {
  return tx
    .select({ status: mailDeliveries.status, count: sql<number>`count(*)::int` })
    .from(mailDeliveries)
    .where(gte(mailDeliveries.createdAt, from))
    .groupBy(mailDeliveries.status);
}

/** The newest mail log rows (no message, no link: the table never holds one). */
export async function listRecentMail(tx: DbOrTx, limit = 50) {
  return tx
    .select({
      id: mailDeliveries.id,
      kind: mailDeliveries.kind,
      toAddress: mailDeliveries.toAddress,
      status: mailDeliveries.status,
      attempts: mailDeliveries.attempts,
      lastError: mailDeliveries.lastError,
      createdAt: mailDeliveries.createdAt,
    })
    .from(mailDeliveries)
    .orderBy(desc(mailDeliveries.createdAt))
    .limit(limit);
}

/** Model calls since `from` per provider and outcome, from the runs' attempts (runs_status_created_at_idx, as above). */
export async function providerAttemptsSince(tx: DbOrTx, { from }: { from: Date }) {
  const rows = await tx.execute(sql`
    select a->>'provider' as provider, a->>'status' as status, count(*)::int as count
    from ${runs}, jsonb_array_elements(coalesce(${runs.attempts}, '[]'::jsonb)) as a
    where ${inArray(runs.status, [...RUN_STATUSES])} and ${gte(runs.createdAt, from)}
    group by 1, 2`);
  const list = Array.isArray(rows) ? rows : ((rows as { rows?: unknown[] }).rows ?? []);
  return (list as Array<{ provider: string | null; status: string | null; count: number | string }>).map((r) => ({
    provider: r.provider ?? "unknown",
    status: r.status ?? "unknown",
    count: Number(r.count),
  }));
}
