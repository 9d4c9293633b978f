import "server-only";
import { z } from "zod";
import type { LanguageModelV4Message } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { listSessionTurns } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { getEnv } from "@/lib/env";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { renderTemplate } from "@/lib/workflows/template";
import { sessionId as sessionIdSchema, type SessionResponse } from "./schemas";

// Sessions (the SSE contract's session_id, docs/contract.md): runs that carry the same session id, in one org, are one
// conversation. A new run sees the earlier turns as history, newest kept first within a token
// budget (SESSION_HISTORY_TOKENS), so a long session cannot grow the prompt without bound.

const sessionPath = z.object({ session_id: sessionIdSchema });

/** Rough token count for the budget (the same generous estimate credits use). */
const tokensOf = (s: string) => Math.ceil(Buffer.byteLength(s) / 4);

export type SessionTurn = { runId: string; workflowId: string; status: string; user: string; assistant: string; createdAt: Date };

/** A workflow-scoped key sees (and continues) only the turns of its workflows. */
async function loadTurns(orgId: string, sessionId: string, workflowIds: string[] | null): Promise<SessionTurn[]> {
  const rows = await listSessionTurns(await getDb(), { orgId, sessionId, workflowIds });
  return rows.reverse().map((r) => ({
    runId: r.id, workflowId: r.workflowId, status: r.status, createdAt: r.createdAt,
    user: r.template ? renderTemplate(r.template, r.inputs) : Object.values(r.inputs).join("\n"),
    assistant: r.output,
  }));
}

/** The conversation so far as model messages, oldest first, within the token budget. */
export async function sessionHistory(orgId: string, sessionId: string, workflowIds: string[] | null = null): Promise<LanguageModelV4Message[]> {
  const turns = await loadTurns(orgId, sessionId, workflowIds);
  let budget = getEnv().SESSION_HISTORY_TOKENS;
  const kept: SessionTurn[] = [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const cost = tokensOf(turns[i]!.user) + tokensOf(turns[i]!.assistant);
    if (cost > budget) break;
    budget -= cost;
    kept.unshift(turns[i]!);
  }
  return kept.flatMap((t): LanguageModelV4Message[] => [
    { role: "user", content: [{ type: "text", text: t.user }] },
    { role: "assistant", content: [{ type: "text", text: t.assistant }] },
  ]);
}

/** GET /api/v1/sessions/:id */
export async function getSessionForApi(orgId: string, rawId: string, workflowIds: string[] | null = null): Promise<SessionResponse> {
  const { session_id: sessionId } = parseInputOrThrow(sessionPath, { session_id: rawId });
  const turns = await loadTurns(orgId, sessionId, workflowIds);
  if (!turns.length) throw new AppError("not_found", "Session not found");
  return {
    success: true as const,
    session_id: sessionId,
    turns: turns.map((t) => ({ run_id: t.runId, workflow_id: t.workflowId, status: t.status, user: t.user, assistant: t.assistant, created_at: t.createdAt.toISOString() })),
  };
}
