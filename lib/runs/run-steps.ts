import type { LanguageModelV4Message, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { recordRunSteps } from "@/db/queries/run-ledger";
import type { RunAttempt, RunStep, RunStepToolCall, WorkflowVersion } from "@/db/schema";
import { chargeFor } from "@/lib/credits/charged-calls";
import { reserveStep } from "@/lib/credits/reserve-step";
import { callWithRetries, type CallResult, type PlannedCall } from "@/lib/llm/call-with-retries";
import { RunTimeoutError, type EngineHandlers, type EngineToolCall } from "@/lib/llm/engine";
import { RECORDED_ARGUMENT_CHARS } from "@/lib/tools/bounds";
import { resolveTools, runToolCalls, type ResolvedTool } from "@/lib/tools/run-tool-calls";
import { estimateText } from "./image-parts";
import type { PreparedRun } from "./prepare-run";
import type { StartedRun } from "./reserve-run";

// A run whose version has tools (or max_steps > 1): up to max_steps model calls in the one run.
// After a step whose tool calls are all server tools (http, mcp), they run (TOOL_CONCURRENCY at
// once, each bounded: lib/tools), the assistant's calls and their results join the prompt, and
// the model is called again — each step reserved before it starts (lib/credits/reserve-step.ts)
// and charged at its own model's price. A client tool call ends the turn: the caller gets the calls.

/** Why a multi-step run stopped. */
export type StopReason = "stop" | "tool_calls" | "max_steps" | "insufficient_credits" | "error";

export type StepHandlers = EngineHandlers & {
  /** A server tool answered (its result went to the model). */
  onToolResult?: (r: { toolCallId: string; toolName: string; output: string; error: string | null }) => void;
};

export type StepsOutcome = {
  /** The run's result as one: every step's text, tokens and model calls; `toolCalls` are the client calls it ended with. */
  result: CallResult;
  steps: RunStep[];
  /** What the run is charged: each step at its model's price. */
  cost: number;
  stopReason: StopReason;
};

export function usesSteps(v: Pick<WorkflowVersion, "tools" | "maxSteps">): boolean {
  return v.tools.length > 0 || v.maxSteps > 1;
}

export async function callSteps(
  prepared: PreparedRun,
  run: StartedRun,
  call: Omit<PlannedCall, "plan" | "prompt" | "maxOutputTokens" | "inputTokensEstimate">,
  handlers: StepHandlers = {},
): Promise<StepsOutcome> {
  const { version, plan } = prepared;
  const tools = resolveTools(version.tools);
  // The plan's steps carry the tools the model is offered (the version's, and a caller's on the OpenAI surface):
  // each step's reservation counts their definitions as input, as the first one's did.
  const toolsText = JSON.stringify(plan.steps[0]?.tools ?? []);
  let prompt: LanguageModelV4Prompt = [...prepared.prompt];
  const steps: RunStep[] = [];
  const texts: string[] = [];
  const attempts: RunAttempt[] = [];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let charged = 0;
  let deltas = 0;
  let maxOutputTokens = run.maxOutputTokens;
  let inputTokensEstimate = run.inputTokensEstimate;
  let last: CallResult | undefined;
  let stopReason: StopReason = "stop";
  let pending: EngineToolCall[] = [];

  for (let n = 1; ; n++) {
    if (n > 1) {
      // Before the next step's reservation, so that no credits are held for a run that is over.
      if (call.signal.aborted) {
        last = { ...last!, error: endedBy(call.signal) };
        stopReason = "error";
        break;
      }
      const r = await reserveStep({
        runId: run.id,
        step: n,
        slack: run.creditsReserved - charged,
        reservePrice: plan.reservePrice,
        promptText: estimateText(prompt) + toolsText,
        maxOutputTokens: version.maxOutputTokens,
        steps,
        budget: run.maxCredits != null ? run.maxCredits - charged : null,
      });
      if (!r) {
        stopReason = "insufficient_credits";
        break;
      }
      run.creditsReserved += r.extra;
      maxOutputTokens = r.maxOutputTokens;
      inputTokensEstimate = r.inputTokensEstimate;
      // The progress the instance saves now describes this step (the recorded ones are charged from `steps`).
      if (call.progress) Object.assign(call.progress, { text: "", outputTokens: 0, sent: false, inputTokens: 0, stepsDone: steps.length });
    }
    const offset = deltas;
    const result = await callWithRetries(
      { ...call, plan, prompt, maxOutputTokens, inputTokensEstimate },
      {
        ...handlers,
        onText: (d, i) => {
          deltas = offset + i + 1;
          handlers.onText?.(d, offset + i);
        },
      },
    );
    last = result;
    const credits = chargeFor(run, result);
    charged += credits;
    attempts.push(...result.attempts);
    usage.inputTokens += result.usage.inputTokens;
    usage.outputTokens += result.usage.outputTokens;
    texts.push(result.text);
    const step: RunStep = {
      step: n,
      model: result.model,
      input_tokens: result.usage.inputTokens,
      output_tokens: result.usage.outputTokens,
      credits,
      finish_reason: result.finishReason,
      tool_calls: [],
    };
    steps.push(step);
    if (result.error) {
      stopReason = "error";
      break;
    }
    if (!result.toolCalls.length) break;
    if (result.toolCalls.some((c) => !isServerTool(tools.get(c.toolName)))) {
      // A client tool (the version's `function` tools, a caller's tools on the OpenAI surface, or a name no server tool
      // has) ends the turn; the caller runs it (any server calls beside it are left to the model's next turn).
      pending = result.toolCalls;
      step.tool_calls = result.toolCalls.map((c) => recorded(c, tools.get(c.toolName), { output: "", error: null, latencyMs: 0 }));
      stopReason = "tool_calls";
      break;
    }
    if (n >= version.maxSteps) {
      stopReason = "max_steps";
      break;
    }
    const outcomes = await runToolCalls(result.toolCalls, tools, { orgId: run.orgId, runId: run.id, signal: call.signal });
    step.tool_calls = result.toolCalls.map((c, i) => recorded(c, tools.get(c.toolName), outcomes[i]!));
    result.toolCalls.forEach((c, i) =>
      handlers.onToolResult?.({ toolCallId: c.toolCallId, toolName: c.toolName, output: outcomes[i]!.output, error: outcomes[i]!.error }),
    );
    prompt = [
      ...prompt,
      {
        role: "assistant",
        content: [
          ...(result.text ? [{ type: "text" as const, text: result.text }] : []),
          ...result.toolCalls.map((c) => ({
            type: "tool-call" as const,
            toolCallId: c.toolCallId,
            toolName: c.toolName,
            input: parsed(c.input),
          })),
        ],
      },
      {
        role: "tool",
        content: result.toolCalls.map((c, i) => ({
          type: "tool-result" as const,
          toolCallId: c.toolCallId,
          toolName: c.toolName,
          output: outcomes[i]!.error
            ? { type: "error-text" as const, value: outcomes[i]!.output }
            : { type: "text" as const, value: outcomes[i]!.output },
        })),
      },
    ];
  }

  // Stopped for client tool calls: what POST /runs/:id/tool_outputs continues from (the messages after the rendered prompt).
  const continuation =
    stopReason === "tool_calls"
      ? {
          messages: [...prompt.slice(prepared.prompt.length), assistantMessage(last!.text, pending)],
          tool_calls: pending.map((c) => ({ id: c.toolCallId, name: c.toolName, arguments: c.input })),
        }
      : null;
  await recordRunSteps(await getDb(), { runId: run.id, steps, stopReason, continuation });
  return {
    result: { ...last!, text: texts.join(""), toolCalls: pending, usage, attempts },
    steps,
    cost: charged,
    stopReason,
  };
}

function isServerTool(t: ResolvedTool | undefined): boolean {
  return t?.kind === "http" || t?.kind === "mcp";
}

function recorded(
  c: EngineToolCall,
  tool: ResolvedTool | undefined,
  o: { output: string; error: string | null; latencyMs: number },
): RunStepToolCall {
  return {
    id: c.toolCallId,
    name: c.toolName,
    type: tool?.kind === "http" ? "http" : tool?.kind === "mcp" ? "mcp" : "function",
    arguments: c.input.slice(0, RECORDED_ARGUMENT_CHARS),
    answer_bytes: tool && tool.kind !== "client" ? Buffer.byteLength(o.output) : 0,
    latency_ms: o.latencyMs,
    error: o.error,
  };
}

/** The model's turn as the next call's prompt carries it: its text and its tool calls. */
function assistantMessage(text: string, calls: EngineToolCall[]): LanguageModelV4Message {
  return {
    role: "assistant",
    content: [
      ...(text ? [{ type: "text" as const, text }] : []),
      ...calls.map((c) => ({ type: "tool-call" as const, toolCallId: c.toolCallId, toolName: c.toolName, input: parsed(c.input) })),
    ],
  };
}

function parsed(input: string): unknown {
  try {
    return JSON.parse(input);
  } catch {
    return {};
  }
}

function endedBy(signal: AbortSignal) {
  return signal.reason instanceof RunTimeoutError
    ? { code: "timeout" as const, message: "The run exceeded its maximum duration" }
    : { code: "canceled" as const, message: "The run was canceled" };
}
