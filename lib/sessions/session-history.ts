import "server-only";
import { z } from "zod";
import type { LanguageModelV4Message } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { listSessionTurns, sessionTurnSizes } from "@/db/queries/runs";
import type { Principal } from "@/lib/auth/principal";
import { visibleWorkflows } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { getEnv } from "@/lib/env";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { renderedLength, renderTemplate } from "@/lib/workflows/template";
import { sessionId as sessionIdSchema, type SessionResponse } from "./schemas";

// Sessions (the SSE contract's session_id, docs/contract.md): runs that carry the same session id, in one org, are one
// conversation. A new run sees the earlier turns as history, newest kept first within a token
// budget (SESSION_HISTORY_TOKENS), so a long session cannot grow the prompt without bound.

const sessionPath = z.object({ session_id: sessionIdSchema });

export type SessionTurn = { runId: string; workflowId: string; status: string; user: string; assistant: string; createdAt: Date };

type TurnFilter = { orgId: string; sessionId: string; workflowIds: string[] | null; endUser?: string | null };

type TurnRow = Awaited<ReturnType<typeof listSessionTurns>>[number];
const userText = (r: TurnRow) => (r.template ? renderTemplate(r.template, r.inputs) : Object.values(r.inputs).join("\n"));

/** A key restricted to some workflows sees only the turns of those. Oldest first. */
async function loadTurns(f: TurnFilter): Promise<SessionTurn[]> {
  const rows = await listSessionTurns(await getDb(), f);
  return rows.reverse().map((r) => ({
    runId: r.id,
    workflowId: r.workflowId,
    status: r.status,
    createdAt: r.createdAt,
    user: userText(r),
    assistant: r.output,
  }));
}

/**
 * The conversation so far as model messages, oldest first, newest kept first within the token
 * budget. A session belongs to its end user: another user's turns under the same id are not this
 * one's history. Memory stays within the budget however large the turns: which turns can fit is
 * decided on their stored sizes before any is read, and a turn's rendered size before it is
 * rendered (a template may repeat an input).
 */
export async function sessionHistory(f: TurnFilter & { endUser: string | null }): Promise<LanguageModelV4Message[]> {
  const db = await getDb();
  let budget = getEnv().SESSION_HISTORY_TOKENS;
  // A token is at least 4 characters' worth of bytes: turns past 4 × budget characters (with
  // slack for the stored JSON's quoting) cannot fit.
  const ids: string[] = [];
  let chars = 0;
  for (const t of await sessionTurnSizes(db, f)) {
    chars += t.chars;
    if (chars > budget * 8 + 1024) break;
    ids.push(t.id);
  }
  const rows = ids.length ? await listSessionTurns(db, { ...f, ids }) : [];
  const kept: LanguageModelV4Message[] = [];
  for (const r of rows) {
    if ((r.template ? renderedLength(r.template, r.inputs) : 0) + r.output.length > budget * 4) break;
    const user = userText(r);
    const cost = estimateTokens(user) + estimateTokens(r.output);
    if (cost > budget) break;
    budget -= cost;
    kept.unshift(
      { role: "user", content: [{ type: "text", text: user }] },
      { role: "assistant", content: [{ type: "text", text: r.output }] },
    );
  }
  return kept;
}

/** GET /api/v1/sessions/:id */
export async function getSessionForApi(principal: Principal, rawId: string): Promise<SessionResponse> {
  const { session_id: sessionId } = parseInputOrThrow(sessionPath, { session_id: rawId });
  const turns = await loadTurns({ orgId: principal.orgId, sessionId, workflowIds: visibleWorkflows(principal) });
  if (!turns.length) throw new AppError("not_found", "Session not found");
  return {
    success: true as const,
    session_id: sessionId,
    turns: turns.map((t) => ({
      run_id: t.runId,
      workflow_id: t.workflowId,
      status: t.status,
      user: t.user,
      assistant: t.assistant,
      created_at: t.createdAt.toISOString(),
    })),
  };
}
