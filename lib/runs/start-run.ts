import { getDb } from "@/db";
import { insertRunWithReservation } from "@/db/queries/run-ledger";
import type { RunSource } from "@/db/schema";
import { reservationFor } from "@/lib/credits/reservation";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { PreparedRun } from "./prepare-run";

/** What the rest of a run needs to know about its row. */
export type StartedRun = { id: string; orgId: string; model: string; creditsReserved: number; maxOutputTokens: number; inputTokensEstimate: number };

/**
 * Records the run as "running" and reserves its credits in one statement: a run row never exists
 * without its reservation, and a 402 leaves nothing behind.
 */
export async function startRun(
  p: PreparedRun,
  meta: { source: RunSource; protocol: string; apiKeyId: string | null; endUser?: string | null; sessionId?: string | null },
): Promise<StartedRun> {
  const runId = newId.run();
  const { inputCost, outputPrice, inputTokensEstimate } = reservationFor(p.modelId, p.promptText);
  const r = await insertRunWithReservation(await getDb(), {
    runId, ledgerId: newId.ledger(), orgId: p.orgId, workflowId: p.workflowId, versionId: p.version.id, apiKeyId: meta.apiKeyId,
    source: meta.source, protocol: meta.protocol, model: p.modelId, inputs: p.inputs,
    endUser: meta.endUser ?? null, sessionId: meta.sessionId ?? null,
    inputCost, outputPrice, maxOutputTokens: p.version.maxOutputTokens,
  });
  if (!r) throw new AppError("invalid_billing");
  return { id: runId, orgId: p.orgId, model: p.modelId, creditsReserved: r.reserved, maxOutputTokens: r.maxOutputTokens, inputTokensEstimate };
}
