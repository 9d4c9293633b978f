import { getDb } from "@/db";
import { findActiveApiKeyById } from "@/db/queries/api-keys";
import { lockOrgBalance } from "@/db/queries/orgs";
import { lockedBudgetStanding } from "@/db/queries/budget-usage";
import { insertRunWithReservation, keyCapRemaining, type RunStart } from "@/db/queries/run-ledger";
import { sumHeldCredits } from "@/db/queries/runs";
import type { RunPrice } from "@/db/schema";
import type { KeyRestrictions } from "@/lib/auth/api-keys";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { budgetExceeded, budgetPeriods, decideBudgets, refusedCounterOf } from "./budgets";
import { budgetExhausted } from "./settle-queue";
import { capPeriodStart } from "./key-cap";
import { creditsFor, tokensFor } from "./pricing";
import { CreditsHeldError, decideShortReservation, reservationFor } from "./reservation";
import { creditsReleased, waitForCredits } from "./wait-for-credits";
import { noteReservation } from "./funded-recently";
import { reserveInFull } from "./reserve-queue";

/**
 * How long a run may wait for credits held by the org's runs in flight before it is a 402. A
 * burst against a small balance then runs as many requests as the balance pays for, instead of
 * refusing whatever arrives while the first ones still hold their (worst-case) reservations.
 */
export const CREDITS_WAIT_MS = 10_000;

/** What a run asks to reserve: its row's fields, and what prices its worst case. */
export type CreditRequest = Omit<
  RunStart,
  "runId" | "ledgerId" | "inputCost" | "outputPerM" | "maxOutputTokens" | "keyCap" | "minOutputTokens" | "budgetPeriods"
> & {
  /** The dearest price of the models it may call, and the rendered prompt (its input estimate). */
  reservePrice: RunPrice;
  promptText: string;
  /** The version's output ceiling; a stream token's max_credits may lower it. */
  maxOutputTokens: number;
  /** The key's (or stream token's) restrictions: its credit cap and per-run ceiling apply here. */
  restrictions?: KeyRestrictions;
  /** The id chosen for it beforehand (an Idempotency-Key's claim); a new one otherwise. */
  runId?: string;
  /** The client went away: stop waiting for credits. */
  signal?: AbortSignal;
};

/**
 * Records the run and reserves its credits in one statement (a run row never exists without its
 * reservation, and a 402 leaves nothing behind), waiting up to CREDITS_WAIT_MS for credits the
 * org's runs in flight hold. See lib/credits/README.md.
 */
export async function reserveCredits(
  req: CreditRequest,
): Promise<{ runId: string; reserved: number; maxOutputTokens: number; inputTokensEstimate: number }> {
  const { reservePrice, promptText, restrictions, signal, runId: chosenId, ...row } = req;
  const { inputCost, outputPerM, inputTokensEstimate } = reservationFor(reservePrice, promptText);
  const maxOutputTokens = ceilingFor(req.maxOutputTokens, { inputCost, outputPerM }, restrictions);
  const keyCap =
    row.apiKeyId && restrictions?.capPeriod ? { keyId: row.apiKeyId, periodStart: capPeriodStart(restrictions.capPeriod) } : null;
  const deadline = Date.now() + CREDITS_WAIT_MS;
  let waited = false;
  for (;;) {
    // A refused attempt writes nothing, so a chosen id can be tried again.
    const runId = chosenId ?? newId.run();
    // Computed per attempt: a wait for credits may cross a period's boundary.
    const periods = budgetPeriods();
    try {
      const r = await reserve({
        ...row,
        runId,
        ledgerId: newId.ledger(),
        inputCost,
        outputPerM,
        maxOutputTokens,
        keyCap,
        budgetPeriods: periods,
      });
      // Pass the turn on: the settlement that woke us may have freed room for more than one run.
      if (waited) creditsReleased(row.orgId);
      noteReservation(row, !waited && r.hot === true);
      return { runId, reserved: r.reserved, maxOutputTokens: r.maxOutputTokens, inputTokensEstimate };
    } catch (e) {
      noteReservation(row, false);
      if (!(e instanceof CreditsHeldError)) {
        // A 402 (or an error) is final for us; the next waiter must find out for itself.
        if (waited) creditsReleased(row.orgId);
        const refused = refusedCounterOf(e);
        if (refused) budgetExhausted(row.orgId, refused);
        throw e;
      }
      const left = deadline - Date.now();
      // Still waiting on a budget's runs in flight at the deadline: that budget refuses the run.
      if (left <= 0 || signal?.aborted) {
        if (!e.budget) throw new AppError("invalid_billing");
        if (e.budget.key) budgetExhausted(row.orgId, e.budget.key);
        throw budgetExceeded(e.budget);
      }
      await waitForCredits(row.orgId, left, signal);
      waited = true;
    }
  }
}

/**
 * A stream token minted with max_credits caps what its run may reserve: the output tokens that
 * fit after the input estimate (a 402 when not even one does).
 */
function ceilingFor(maxOutputTokens: number, cost: { inputCost: number; outputPerM: number }, restrictions?: KeyRestrictions) {
  if (restrictions?.maxCredits == null) return maxOutputTokens;
  const fit = tokensFor(restrictions.maxCredits - cost.inputCost, cost.outputPerM);
  if (fit < 1) throw new AppError("invalid_billing", undefined, { reason: "token_max_credits" });
  return Math.min(maxOutputTokens, fit);
}

async function reserve(start: RunStart): Promise<{ reserved: number; maxOutputTokens: number; hot?: true }> {
  // The hot path, one statement (shared with the org's other reservations arriving meanwhile,
  // reserve-queue.ts): the full worst case fits.
  const full = await reserveInFull(start);
  const db = await getDb();
  if (!("refused" in full)) return { ...full, hot: true };
  // Budgets apply to the run: the slow path reads them (and creates their counters when new).
  const budgeted = full.budgets > 0;
  // Nothing was written: the org is short, or the key was revoked or expired since it was verified
  // (the verification may be cached, the statement checked the key itself). Tell which, off the hot path.
  if (start.checkKey && start.apiKeyId && !(await findActiveApiKeyById(db, start.apiKeyId))) throw new AppError("unauthorized");
  if (start.keyCap) {
    // A capped key's run gets what is left of the cap (output truncated, like a short org
    // balance) once the cap, not the org, is what is short; none left → 402.
    const left = await keyCapRemaining(db, start.keyCap);
    if (left !== null && left < start.inputCost + creditsFor(start.maxOutputTokens, start.outputPerM)) {
      const part = await insertRunWithReservation(db, { ...start, minOutputTokens: 1 });
      if (!("refused" in part)) return part;
      if (left < start.inputCost + creditsFor(1, start.outputPerM))
        throw new AppError("invalid_billing", undefined, { reason: "key_credit_cap" });
      // The cap has room for some of it but the org is short too: the org's path decides (wait
      // for credits held by runs in flight, or 402).
    }
  }
  // Short: decide under the org lock, knowing what the org's runs in flight hold (read after the
  // lock, so no reservation or settlement can slip in between).
  return db.transaction(async (tx) => {
    const balance = await lockOrgBalance(tx, start.orgId);
    if (balance === undefined) throw new AppError("not_found", "Organization not found");
    const held = await sumHeldCredits(tx, start.orgId);
    // The budgets that apply, their counters created if new, read under the org lock: every
    // reservation and settlement that moves them holds that lock too (lib/credits/README.md, budgets).
    const budgets = budgeted ? await lockedBudgetStanding(tx, { ...start, periods: start.budgetPeriods }) : [];
    const d = decideBudgets(decideShortReservation({ balance, held, ...start }), budgets, start);
    if (d === "wait") throw new CreditsHeldError();
    if (d === "refuse") throw new AppError("invalid_billing");
    if ("wait" in d) throw new CreditsHeldError(d.wait);
    if ("refuse" in d) throw budgetExceeded(d.refuse);
    const r = await insertRunWithReservation(tx, { ...start, maxOutputTokens: d.grant, minOutputTokens: d.grant });
    if (!("refused" in r)) return r;
    // A budget created since the first attempt (its counter is not there yet): try again, with it.
    if (!budgeted && r.budgets > 0) throw new CreditsHeldError();
    // Only a capped key's cap can refuse here (it moved since we looked; budgets' counters move
    // only under the org lock we hold): that is a 402.
    if (start.keyCap) throw new AppError("invalid_billing", undefined, { reason: "key_credit_cap" });
    throw new AppError("internal_server_error", "reservation failed under the org lock");
  });
}
