import { getDb } from "@/db";
import { insertRun } from "@/db/queries/runs";
import type { Run, RunSource } from "@/db/schema";
import { reserveCredits } from "@/lib/credits/reserve-credits";
import { newId } from "@/lib/ids";
import type { PreparedRun } from "./prepare-run";

export type StartedRun = Run & { maxOutputTokens: number };

/**
 * Records the run as "running" and reserves its credits in one transaction: a run row never
 * exists without its reservation, and a 402 leaves nothing behind.
 */
export async function startRun(
  p: PreparedRun,
  meta: { source: RunSource; protocol: string; apiKeyId: string | null; endUser?: string | null; sessionId?: string | null },
): Promise<StartedRun> {
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
