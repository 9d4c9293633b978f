import { getDb } from "@/db";
import { insertRun } from "@/db/queries/runs";
import type { Run, RunSource } from "@/db/schema";
import { CreditsHeldError, reserveCredits } from "@/lib/credits/reserve-credits";
import { creditsReleased, waitForCredits } from "@/lib/credits/wait-for-credits";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { PreparedRun } from "./prepare-run";

export type StartedRun = Run & { maxOutputTokens: number };

/**
 * How long a run may wait for credits held by the org's runs in flight before it is a 402. A
 * burst against a small balance then runs as many requests as the balance pays for, instead of
 * refusing whatever arrives while the first ones still hold their reservations.
 */
export const CREDITS_WAIT_MS = 10_000;

/**
 * Records the run as "running" and reserves its credits in one transaction: a run row never
 * exists without its reservation, and a 402 leaves nothing behind.
 */
export async function startRun(
  p: PreparedRun,
  meta: {
    source: RunSource; protocol: string; apiKeyId: string | null; endUser?: string | null; sessionId?: string | null;
    /** The client went away: stop waiting for credits. */
    signal?: AbortSignal;
  },
): Promise<StartedRun> {
  const deadline = Date.now() + CREDITS_WAIT_MS;
  let waited = false;
  for (;;) {
    try {
      const run = await insertReservedRun(p, meta);
      // Pass the turn on: the settlement that woke us may have freed room for more than one run.
      if (waited) creditsReleased(p.orgId);
      return run;
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

async function insertReservedRun(p: PreparedRun, meta: Parameters<typeof startRun>[1]): Promise<StartedRun> {
  const runId = newId.run();
  const db = await getDb();
  const run = await db.transaction(async (tx) => {
    const r = await reserveCredits(tx, {
      orgId: p.orgId, runId, modelId: p.modelId, promptText: p.promptText, maxOutputTokens: p.version.maxOutputTokens,
    });
    return insertRun(tx, {
      id: runId, orgId: p.orgId, workflowId: p.workflowId, versionId: p.version.id, apiKeyId: meta.apiKeyId,
      source: meta.source, protocol: meta.protocol, status: "running", model: p.modelId, inputs: p.inputs,
      creditsReserved: r.reserved, maxOutputTokens: r.maxOutputTokens, endUser: meta.endUser ?? null,
      sessionId: meta.sessionId ?? null,
    });
  });
  return run as StartedRun;
}
