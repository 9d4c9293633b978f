import { getDb } from "@/db";
import { finalizeRunWithSettlement } from "@/db/queries/run-ledger";
import type { RunStatus } from "@/db/schema";
import { newId } from "@/lib/ids";
import { priceOf } from "@/lib/llm/models";
import { logger } from "@/lib/logger";
import type { EngineResult } from "./engine";
import type { StartedRun } from "./start-run";

export type FinishedRun = {
  id: string; status: RunStatus; creditsCharged: number; inputTokens: number; outputTokens: number; totalTokens: number; latencyMs: number;
  /** False when someone else (a cancel, the sweeper) finished the run first. */
  finishedHere: boolean;
};

export function statusOf(result: EngineResult): Exclude<RunStatus, "running"> {
  if (!result.error) return "completed";
  return result.error.code === "canceled" ? "canceled" : "failed";
}

/**
 * Final state + settlement, exactly once (one statement; see db/queries/run-ledger.ts). Retries on
 * database errors, because a run left "running" holds its reservation until the sweeper comes.
 */
export async function finishRun(run: StartedRun, result: EngineResult, startedAt: number): Promise<FinishedRun> {
  const { inputTokens, outputTokens } = result.usage;
  const status = statusOf(result);
  const latencyMs = Math.round(performance.now() - startedAt);
  const base = { id: run.id, status, inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, latencyMs };
  for (let attempt = 1; ; attempt++) {
    try {
      const settled = await finalizeRunWithSettlement(await getDb(), {
        runId: run.id, ledgerId: newId.ledger(), status, cost: priceOf(run.model, result.usage),
        output: result.text, citations: result.citations, inputTokens, outputTokens,
        errorCode: result.error?.code ?? null, errorMessage: result.error?.message ?? null,
        firstTokenMs: result.firstTokenMs ?? null, latencyMs,
      });
      if (!settled) {
        logger.warn("run already finished elsewhere", { runId: run.id });
        return { ...base, creditsCharged: 0, finishedHere: false };
      }
      return { ...base, creditsCharged: settled.charged, finishedHere: true };
    } catch (e) {
      if (attempt >= 5) throw e;
      logger.warn("finishing run failed, retrying", { runId: run.id, attempt, err: e });
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
