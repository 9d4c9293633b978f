import type { LanguageModelV4Message } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { claimContinuation, getRun, releaseContinuation } from "@/db/queries/runs";
import { getWorkflowVersionById } from "@/db/queries/workflows";
import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { getRunOrThrow, requiredActionOf } from "@/lib/runs/get-run";
import type { RunRequest } from "@/lib/runs/open-run";
import type { ToolOutputsBody } from "@/lib/runs/schemas";
import { respondJson } from "./respond-json";
import { respondStream } from "./respond-stream";

// POST /api/v1/runs/:run_id/tool_outputs — the caller's answers to a run that stopped for client
// tool calls (status requires_action). That run is settled (it holds nothing while it waits); its
// continuation is a NEW run of the same version, reserved and charged like any run, whose prompt is
// the first run's rendered prompt (from its recorded inputs), the tool exchange so far, and these
// outputs. Each waiting run is answered once (continued_by), within TOOL_OUTPUTS_WINDOW_MS.

export async function submitToolOutputs(principal: Principal, runId: string, body: ToolOutputsBody, req: Request) {
  const prev = await getRunOrThrow(principal, runId);
  const action = requiredActionOf(prev);
  if (!action) {
    const why =
      prev.stopReason !== "tool_calls"
        ? "it did not stop for client tool calls"
        : prev.continuedBy
          ? `its tool calls were answered already (run ${prev.continuedBy})`
          : "its tool calls expired (10 minutes after the run ended)";
    throw new AppError("run_not_awaiting_tool_outputs", `Run is not waiting for tool outputs: ${why}`);
  }
  const pending = new Map(action.tool_calls.map((c) => [c.id, c]));
  const given = new Set<string>();
  for (const o of body.tool_outputs) {
    if (!pending.has(o.tool_call_id))
      throw new AppError("invalid_request", `tool_outputs: unknown tool_call_id ${JSON.stringify(o.tool_call_id)}`);
    if (given.has(o.tool_call_id)) throw new AppError("invalid_request", `tool_outputs: ${o.tool_call_id} is answered twice`);
    given.add(o.tool_call_id);
  }
  const missing = [...pending.keys()].filter((id) => !given.has(id));
  if (missing.length) throw new AppError("invalid_request", `tool_outputs: no output for ${missing.join(", ")}`);

  const db = await getDb();
  const version = prev.versionId ? await getWorkflowVersionById(db, { orgId: prev.orgId, versionId: prev.versionId }) : undefined;
  if (!version)
    throw new AppError("run_not_awaiting_tool_outputs", "Run is not waiting for tool outputs: its version is gone (or it ran a draft)");

  const results: LanguageModelV4Message = {
    role: "tool",
    content: body.tool_outputs.map((o) => ({
      type: "tool-result",
      toolCallId: o.tool_call_id,
      toolName: pending.get(o.tool_call_id)!.name,
      output: { type: "text", value: o.output },
    })),
  };
  const nextId = newId.run();
  if (!(await claimContinuation(db, { orgId: prev.orgId, runId: prev.id, by: nextId })))
    throw new AppError("run_not_awaiting_tool_outputs", "Run is not waiting for tool outputs: its tool calls were answered already");
  const r: Omit<RunRequest, "protocol" | "source"> = {
    principal,
    version,
    fields: { user: prev.endUser ?? undefined },
    shape: () => ({ vars: prev.inputs, history: [], followUp: [...(prev.continuation!.messages as LanguageModelV4Message[]), results] }),
    runId: nextId,
  };
  try {
    if (body.stream) {
      const headers = new Headers({ "x-previous-run-id": prev.id });
      return await respondStream({ ...r, source: "stream" }, { req, protocol: "sse", resumable: true, headers });
    }
    return await respondJson(r, req.signal, { previousRunId: prev.id });
  } catch (e) {
    // The continuation did not start (402, 400) or failed: the caller may answer again, within the window.
    const started = await getRun(db, { orgId: prev.orgId, runId: nextId });
    if (!started || started.status !== "completed") await releaseContinuation(db, { orgId: prev.orgId, runId: prev.id, by: nextId });
    throw e;
  }
}
