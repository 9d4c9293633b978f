import { getDb } from "@/db";
import { finalizeRun, getRun } from "@/db/queries/runs";
import type { Run, RunStatus } from "@/db/schema";
import { settleCredits } from "@/lib/credits/settle-credits";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { priceOf } from "@/lib/llm/models";
import { logger } from "@/lib/logger";
import type { EngineResult } from "./engine";

export type FinishedRun = Pick<Run, "id" | "status" | "creditsCharged" | "inputTokens" | "outputTokens" | "totalTokens" | "latencyMs">;

export function statusOf(result: EngineResult): RunStatus {
  if (!result.error) return "completed";
  return result.error.code === "canceled" ? "canceled" : "failed";
}

/**
 * Final state + settlement in one transaction, exactly once: settle is keyed by the run id and the
 * run row only leaves "running" once, so a retry (or the sweeper racing us) changes nothing.
 * Retries a few times on database errors, because a run left "running" holds its reservation.
 */
export async function finishRun(run: Run, result: EngineResult, startedAt: number): Promise<FinishedRun> {
  const usage = result.usage;
  const cost = priceOf(run.model, usage);
  const status = statusOf(result);
  const latencyMs = Math.round(performance.now() - startedAt);
  for (let attempt = 1; ; attempt++) {
    try {
      const db = await getDb();
      const row = await db.transaction(async (tx) => {
        const settled = await settleCredits(tx, { orgId: run.orgId, runId: run.id, reserved: run.creditsReserved, cost });
        if (!settled) throw new AlreadyFinished();
        const row = await finalizeRun(tx, run.id, {
          status,
          output: result.text,
          citations: result.citations,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          totalTokens: usage.inputTokens + usage.outputTokens,
          creditsCharged: settled.charged,
          errorCode: result.error?.code ?? null,
          errorMessage: result.error?.message ?? null,
          firstTokenMs: result.firstTokenMs ?? null,
          latencyMs,
        });
        if (!row) throw new AlreadyFinished();
        return row;
      });
      creditsReleased(run.orgId);
      return row;
    } catch (e) {
      if (e instanceof AlreadyFinished) {
        // A retry whose first attempt committed after all, or the sweeper got there first: report
        // what was recorded (and charged), not what this attempt would have charged.
        logger.warn("run already finished elsewhere", { runId: run.id });
        const recorded = await getRun(await getDb(), { orgId: run.orgId, runId: run.id });
        if (recorded) return recorded;
        return { id: run.id, status, creditsCharged: 0, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, totalTokens: usage.inputTokens + usage.outputTokens, latencyMs };
      }
      if (attempt >= 5) throw e;
      logger.warn("finishing run failed, retrying", { runId: run.id, attempt, err: e });
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}

class AlreadyFinished extends Error {}
