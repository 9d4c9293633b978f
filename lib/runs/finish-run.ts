import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import type { RunStatus } from "@/db/schema";
import { newId } from "@/lib/ids";
import { chargeFor } from "@/lib/credits/charged-calls";
import { settle, settleClaimed } from "@/lib/credits/settle";
import type { RunFinish } from "@/db/queries/run-ledger";
import type { CallResult } from "@/lib/llm/call-with-retries";
import { logger } from "@/lib/logger";
import type { EngineResult } from "@/lib/llm/engine";
import type { StartedRun } from "./reserve-run";
import { maskPii } from "@/lib/retention/mask-pii";
import { stripNul } from "./strip-nul";

export type FinishedRun = {
  id: string;
  status: RunStatus;
  creditsCharged: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  latencyMs: number;
  /** False when someone else (a cancel, the sweeper, an earlier attempt) finished the run first. */
  finishedHere: boolean;
};

export function statusOf(result: EngineResult): Exclude<RunStatus, "running"> {
  if (!result.error) return "completed";
  return result.error.code === "canceled" ? "canceled" : "failed";
}

/**
 * Final state + settlement, exactly once (one statement, shared with the other runs settling at
 * the same moment: settle-queue.ts; see db/queries/run-ledger.ts). Retries on
 * database errors, because a run left "running" holds its reservation until the sweeper comes.
 */
export async function finishRun(
  run: StartedRun,
  result: EngineResult & Partial<CallResult>,
  startedAt: number,
  /** A multi-step run's charge: the sum of its steps, each at its own model's price (lib/runs/run-steps.ts). */
  o?: { cost: number },
): Promise<FinishedRun> {
  const { inputTokens, outputTokens } = result.usage;
  const status = statusOf(result);
  const latencyMs = Math.round(performance.now() - startedAt);
  // What is stored, masked when the org asks for it (the caller already has the real text).
  const stored = run.maskStored ? (s: string) => maskPii(stripNul(s)) : stripNul;
  const base = { id: run.id, status, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, latencyMs };
  for (let attempt = 1; ; attempt++) {
    try {
      const f: RunFinish = {
        runId: run.id,
        ledgerId: newId.ledger(),
        status,
        cost: o?.cost ?? chargeFor(run, result),
        attempts: result.attempts ?? null,
        // A model may emit NUL, which PostgreSQL text cannot store: the stream already carried it.
        output: stored(result.text),
        citations: result.citations.map(stored),
        inputTokens,
        outputTokens,
        errorCode: result.error?.code ?? null,
        errorMessage: result.error ? stored(result.error.message) : null,
        firstTokenMs: result.firstTokenMs ?? null,
        latencyMs,
      };
      // The sweeper may have claimed the run while this instance was unresponsive (its lease expired):
      // this finish is still the run's real one and replaces the provisional settlement.
      const settled = (await settle(run.orgId, f, { reserved: run.creditsReserved })) ?? (await settleClaimed(run.orgId, f));
      if (!settled) {
        // A retry whose first attempt committed after all, or the sweeper got there first: report
        // what was recorded (and charged), not what this attempt would have charged.
        logger.warn("run already finished elsewhere", { runId: run.id });
        const recorded = await getRun(await getDb(), { orgId: run.orgId, runId: run.id });
        if (!recorded) return { ...base, creditsCharged: 0, finishedHere: false };
        return {
          id: run.id,
          status: recorded.status,
          creditsCharged: recorded.creditsCharged,
          inputTokens: recorded.inputTokens,
          outputTokens: recorded.outputTokens,
          totalTokens: recorded.totalTokens,
          latencyMs: recorded.latencyMs ?? latencyMs,
          finishedHere: false,
        };
      }
      return { ...base, creditsCharged: settled.charged, finishedHere: true };
    } catch (e) {
      if (attempt >= 5) throw e;
      logger.warn("finishing run failed, retrying", { runId: run.id, attempt, err: e });
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
