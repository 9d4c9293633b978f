import type { KeyRestrictions } from "@/lib/auth/api-keys";
import type { RunAssignment, RunPrice, RunSource } from "@/db/schema";
import { reserveCredits } from "@/lib/credits/reserve-credits";
import { maskInputs } from "@/lib/retention/mask-pii";
import { masksStoredRuns } from "@/lib/retention/storage-policy";
import { isDraft, type PreparedRun } from "./prepare-run";

/** What the rest of a run needs to know about its row. */
export type StartedRun = {
  id: string;
  orgId: string;
  model: string;
  creditsReserved: number;
  maxOutputTokens: number;
  inputTokensEstimate: number;
  /** The price of each model the run may call, as reserved: it settles at these. */
  prices: Record<string, RunPrice>;
  /** The org stores its runs' inputs and outputs masked (lib/retention/mask-pii.ts): the model and the caller still get the real text. */
  maskStored?: boolean;
  /** A stream token's max_credits: a multi-step run's steps together reserve no more (lib/runs/run-steps.ts). */
  maxCredits?: number | null;
};

/**
 * Records the run as "running" (or "queued") with its credits reserved (lib/credits/reserve-credits.ts):
 * the row of a prepared run.
 */
export async function reserveRun(
  p: PreparedRun,
  meta: {
    source: RunSource;
    protocol: string;
    apiKeyId: string | null;
    endUser?: string | null;
    sessionId?: string | null;
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
  const maskStored = await masksStoredRuns(p.orgId);
  const r = await reserveCredits({
    orgId: p.orgId,
    workflowId: p.workflowId,
    versionId: isDraft(p.version) ? null : p.version.id,
    apiKeyId: meta.apiKeyId,
    source: meta.source,
    protocol: meta.protocol,
    model: p.modelId,
    inputs: maskStored ? maskInputs(p.inputs) : p.inputs,
    endUser: meta.endUser ?? null,
    sessionId: meta.sessionId ?? null,
    assignment: meta.assignment ?? null,
    prices: p.plan.prices,
    checkKey: !!(meta.checkKey && meta.apiKeyId),
    status: meta.queued ? "queued" : "running",
    reservePrice: p.plan.reservePrice,
    promptText: p.promptText,
    maxOutputTokens: p.version.maxOutputTokens,
    restrictions: meta.restrictions,
    runId: meta.runId,
    signal: meta.signal,
  });
  return {
    id: r.runId,
    orgId: p.orgId,
    model: p.modelId,
    creditsReserved: r.reserved,
    maxOutputTokens: r.maxOutputTokens,
    inputTokensEstimate: r.inputTokensEstimate,
    prices: p.plan.prices,
    maskStored,
    maxCredits: meta.restrictions?.maxCredits ?? null,
  };
}
