import { getDb } from "@/db";
import { findActiveApiKeyById } from "@/db/queries/api-keys";
import { lockOrgBalance } from "@/db/queries/orgs";
import { insertRunWithReservation, keyCapRemaining, type RunStart } from "@/db/queries/run-ledger";
import type { KeyRestrictions } from "@/lib/auth/api-keys";
import { capPeriodStart } from "@/lib/credits/key-cap";
import { sumHeldCredits } from "@/db/queries/runs";
import type { RunAssignment, RunPrice, RunSource } from "@/db/schema";
import { creditsFor, tokensFor } from "@/lib/credits/pricing";
import { CreditsHeldError, decideShortReservation, reservationFor } from "@/lib/credits/reservation";
import { creditsReleased, waitForCredits } from "@/lib/credits/wait-for-credits";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { isDraft, type PreparedRun } from "./prepare-run";

/** What the rest of a run needs to know about its row. */
export type StartedRun = {
  id: string; orgId: string; model: string; creditsReserved: number; maxOutputTokens: number; inputTokensEstimate: number;
  /** The price of each model the run may call, as reserved: it settles at these. */
  prices: Record<string, RunPrice>;
};

/**
 * How long a run may wait for credits held by the org's runs in flight before it is a 402. A
 * burst against a small balance then runs as many requests as the balance pays for, instead of
 * refusing whatever arrives while the first ones still hold their (worst-case) reservations.
 */
export const CREDITS_WAIT_MS = 10_000;

/**
 * Records the run as "running" and reserves its credits in one statement: a run row never exists
 * without its reservation, and a 402 leaves nothing behind. See lib/credits/README.md.
 */
export async function reserveRun(
  p: PreparedRun,
  meta: {
    source: RunSource; protocol: string; apiKeyId: string | null; endUser?: string | null; sessionId?: string | null;
    /** The key's (or stream token's) restrictions: its credit cap and per-run ceiling apply here. */
    restrictions?: KeyRestrictions;
    /**
     * The key was verified by the API pipeline, possibly from its short-lived cache: re-check it
     * in the reservation statement, so that a revoked or expired key never starts a run.
     */
    checkKey?: boolean;
    /** The client went away: stop waiting for credits. */
    signal?: AbortSignal;
    /** The id chosen for it beforehand (an Idempotency-Key's claim); a new one otherwise. */
    runId?: string;
    /** Recorded as "queued" (an async run the queue starts later) instead of "running". */
    queued?: boolean;
    /** Why a split label chose this version. */
    assignment?: RunAssignment | null;
  },
): Promise<StartedRun> {
  const { inputCost, outputPerM, inputTokensEstimate } = reservationFor(p.route.reservePrice, p.promptText);
  const maxOutputTokens = ceilingFor(p.version.maxOutputTokens, { inputCost, outputPerM }, meta.restrictions);
  const keyCap = meta.apiKeyId && meta.restrictions?.capPeriod ? { keyId: meta.apiKeyId, periodStart: capPeriodStart(meta.restrictions.capPeriod) } : null;
  const deadline = Date.now() + CREDITS_WAIT_MS;
  let waited = false;
  for (;;) {
    // A refused attempt writes nothing, so a chosen id can be tried again.
    const runId = meta.runId ?? newId.run();
    const start: RunStart = {
      runId, ledgerId: newId.ledger(), orgId: p.orgId, workflowId: p.workflowId, versionId: isDraft(p.version) ? null : p.version.id, apiKeyId: meta.apiKeyId,
      source: meta.source, protocol: meta.protocol, model: p.modelId, inputs: p.inputs,
      endUser: meta.endUser ?? null, sessionId: meta.sessionId ?? null, assignment: meta.assignment ?? null,
      inputCost, outputPerM, maxOutputTokens, keyCap, prices: p.route.prices, checkKey: !!(meta.checkKey && meta.apiKeyId),
      status: meta.queued ? "queued" : "running",
    };
    try {
      const r = await reserve(start);
      // Pass the turn on: the settlement that woke us may have freed room for more than one run.
      if (waited) creditsReleased(p.orgId);
      return {
        id: runId, orgId: p.orgId, model: p.modelId, creditsReserved: r.reserved, maxOutputTokens: r.maxOutputTokens, inputTokensEstimate,
        prices: p.route.prices,
      };
    } catch (e) {
      if (!(e instanceof CreditsHeldError)) {
        // A 402 (or an error) is final for us; the next waiter must find out for itself.
        if (waited) creditsReleased(p.orgId);
        throw e;
      }
      const left = deadline - Date.now();
      if (left <= 0 || meta.signal?.aborted) throw new AppError("invalid_billing");
      await waitForCredits(p.orgId, left, meta.signal);
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

async function reserve(start: RunStart): Promise<{ reserved: number; maxOutputTokens: number }> {
  const db = await getDb();
  // The hot path, one statement: the full worst case fits.
  const full = await insertRunWithReservation(db, { ...start, minOutputTokens: start.maxOutputTokens });
  if (full) return full;
  // Nothing was written: the org is short, or the key was revoked or expired since it was verified
  // (the verification may be cached, the statement checked the key itself). Tell which, off the hot path.
  if (start.checkKey && start.apiKeyId && !(await findActiveApiKeyById(db, start.apiKeyId))) throw new AppError("unauthorized");
  if (start.keyCap) {
    // A capped key's run gets what is left of the cap (output truncated, like a short org
    // balance) once the cap, not the org, is what is short; none left → 402.
    const left = await keyCapRemaining(db, start.keyCap);
    if (left !== null && left < start.inputCost + creditsFor(start.maxOutputTokens, start.outputPerM)) {
      const part = await insertRunWithReservation(db, { ...start, minOutputTokens: 1 });
      if (part) return part;
      if (left < start.inputCost + creditsFor(1, start.outputPerM)) throw new AppError("invalid_billing", undefined, { reason: "key_credit_cap" });
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
    const d = decideShortReservation({ balance, held, ...start });
    if (d === "wait") throw new CreditsHeldError();
    if (d === "refuse") throw new AppError("invalid_billing");
    const r = await insertRunWithReservation(tx, { ...start, maxOutputTokens: d.grant, minOutputTokens: d.grant });
    // Only a capped key's cap can refuse here (it moved since we looked): that is a 402.
    if (!r && start.keyCap) throw new AppError("invalid_billing", undefined, { reason: "key_credit_cap" });
    if (!r) throw new AppError("internal_server_error", "reservation failed under the org lock");
    return r;
  });
}
