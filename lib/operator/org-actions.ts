import "server-only";
import { getDb } from "@/db";
import { lockOrgSuspension, setOrgSuspension } from "@/db/queries/orgs";
import { listQueuedRunIds } from "@/db/queries/runs";
import { recordAudit } from "@/lib/audit/record-audit";
import { forgetCachedKeys } from "@/lib/auth/api-keys";
import { applyLedgerEntry } from "@/lib/credits/ledger";
import { settleUnstarted } from "@/lib/credits/settle";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import type { OperatorRef } from "./operators";

// The operator's actions on an org (README, "Operators"): each one commits with its audit entry,
// which names the operator and the reason. Callers: the admin CLI (operator { label: "cli" }) and
// the /operator console (requireOperator()).

const MAX_REASON = 500;

function checkedReason(reason: string | undefined, required: boolean) {
  const r = (reason ?? "").trim();
  if (required && !r) throw new AppError("invalid_request", "A reason is required");
  if (r.length > MAX_REASON) throw new AppError("invalid_request", `The reason is at most ${MAX_REASON} characters`);
  return r;
}

function checkedOperator(operator: OperatorRef) {
  const label = operator.label.trim();
  if (!label) throw new AppError("invalid_request", "The operator must be named");
  return { userId: operator.userId ?? null, label };
}

/**
 * Suspends the org: from the commit, every API key and stream token of it is answered 403
 * org_suspended with the reason (at once on this instance; within LOOKUP_CACHE_TTL_MS on the others,
 * the key cache's bound, lib/cache/lookup-cache.ts), its members see the reason in the dashboard
 * and cannot spend, and its queued async runs are canceled, their reservations released whole.
 * Runs already running finish. Suspending a suspended org replaces the reason.
 */
export async function suspendOrg({ orgId, reason, operator }: { orgId: string; reason: string; operator: OperatorRef }) {
  const why = checkedReason(reason, true);
  const op = checkedOperator(operator);
  const db = await getDb();
  const previous = await db.transaction(async (tx) => {
    const row = await lockOrgSuspension(tx, orgId);
    if (!row) throw new AppError("not_found", "Organization not found");
    await setOrgSuspension(tx, orgId, { at: row.at ?? new Date(), reason: why });
    await recordAudit(tx, {
      orgId,
      actorId: op.userId,
      action: "org.suspend",
      targetId: orgId,
      details: { operator: op.label, reason: why, ...(row.at ? { previous_reason: row.reason } : {}) },
    });
    return row;
  });
  // After the commit (cleared before it, a concurrent request could cache the key again unsuspended).
  forgetCachedKeys();
  const canceled = await cancelQueuedRuns(orgId, why);
  return { org_id: orgId, suspended: true as const, reason: why, already_suspended: previous.at !== null, canceled_runs: canceled };
}

/**
 * The org's queued runs, canceled before they start: each releases its whole reservation (the
 * path of POST /runs/:id/cancel for a queued run). A run a worker took meanwhile runs to its end.
 * The queue's worker refuses to start a suspended org's run too (lib/runs/async-run.ts), so a run
 * queued through a key verified just before the suspension (another instance's cache) is canceled there.
 */
export async function cancelQueuedRuns(orgId: string, reason: string) {
  const ids = await listQueuedRunIds(await getDb(), orgId);
  let canceled = 0;
  for (const runId of ids) {
    const done = await settleUnstarted(orgId, runId, {
      status: "canceled",
      errorCode: "org_suspended",
      errorMessage: `Organization suspended: ${reason}`,
      latencyMs: null,
      from: "queued",
    }).catch((err: unknown) => {
      logger.warn("could not cancel a queued run of a suspended org", { orgId, runId, err });
      return null;
    });
    if (done) canceled++;
  }
  return canceled;
}

/** Lifts the suspension: the org's keys and tokens work again (same bound as the suspension). */
export async function unsuspendOrg({ orgId, reason, operator }: { orgId: string; reason?: string; operator: OperatorRef }) {
  const why = checkedReason(reason, false);
  const op = checkedOperator(operator);
  const db = await getDb();
  await db.transaction(async (tx) => {
    const row = await lockOrgSuspension(tx, orgId);
    if (!row) throw new AppError("not_found", "Organization not found");
    if (!row.at) throw new AppError("invalid_request", "Organization is not suspended");
    await setOrgSuspension(tx, orgId, null);
    await recordAudit(tx, {
      orgId,
      actorId: op.userId,
      action: "org.unsuspend",
      targetId: orgId,
      details: { operator: op.label, reason: why, suspended_reason: row.reason, suspended_at: row.at.toISOString() },
    });
  });
  forgetCachedKeys();
  return { org_id: orgId, suspended: false as const, reason: why };
}

/**
 * Grants (amount > 0) or removes (amount < 0) credits: one `adjust` ledger entry, written with the
 * balance in one transaction (lib/credits/ledger.ts), and its audit entry. Never below zero: a
 * removal larger than the balance is refused whole.
 */
export async function adjustOrgCredits({
  orgId,
  amount,
  reason,
  operator,
}: {
  orgId: string;
  amount: number;
  reason: string;
  operator: OperatorRef;
}) {
  if (!Number.isSafeInteger(amount) || amount === 0) throw new AppError("invalid_request", "amount must be a non-zero integer");
  const why = checkedReason(reason, true);
  const op = checkedOperator(operator);
  const db = await getDb();
  const res = await db.transaction(async (tx) => {
    const out = await applyLedgerEntry(tx, { orgId, kind: "adjust", note: why }, (balance) => {
      if (balance + amount < 0) throw new AppError("invalid_request", `Cannot remove ${-amount} credits: the balance is ${balance}`);
      return amount;
    });
    await recordAudit(tx, {
      orgId,
      actorId: op.userId,
      action: "credits.adjust",
      targetId: orgId,
      details: { operator: op.label, reason: why, amount, balance_after: out.balanceAfter },
    });
    return out;
  });
  if (amount > 0) creditsReleased(orgId);
  return { org_id: orgId, amount: res.amount, balance: res.balanceAfter, reason: why };
}
