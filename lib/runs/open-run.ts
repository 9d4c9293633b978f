import type { RunSource } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { visibleWorkflows } from "@/lib/auth/visibility";
import type { ServerTiming } from "@/lib/server-timing";
import { callWithRetries, type CallResult } from "@/lib/llm/call-with-retries";
import { assignVersion, type ServedVersion } from "@/lib/workflows/split-assignment";
import { inModelCallSpan } from "@/lib/telemetry/gen-ai";
import { annotateSpan, inSpan } from "@/lib/telemetry/trace";
import type { EarlyCall, EngineHandlers, EngineToolCall } from "@/lib/llm/engine";
import type { ToolExecutor } from "@/lib/llm/model-tools";
import { AppError } from "@/lib/errors";
import { getDb } from "@/db";
import { setRunToolCalls } from "@/db/queries/runs";
import { stripNul } from "./strip-nul";
import { holdAdmission, isDraining, trackRun } from "./in-flight";
import { finishRun, type FinishedRun } from "./finish-run";
import { prepareRun, type PreparedRun, type Shaped } from "./prepare-run";
import { reserveRun, type StartedRun } from "./reserve-run";
import { runSignal } from "./run-signal";
import { callSettings, dispatchEarly } from "./early-dispatch";
import { checkOutput } from "@/lib/workflows/output-schema";
import { callSteps, usesSteps, type StepHandlers, type StepsOutcome } from "./run-steps";

// The one run pipeline, shared by POST /run (JSON), POST /run/:id/stream, the playground and the
// OpenAI-compatible surface:
//   parse (the route) → prepare (inputs, prompt, fallback plan; no writes) → reserve (the run row
//   and its credits, one statement) → call (the model, with retries and fallbacks, each call one
//   engine pass) → finish (final state and settlement, once).
// The first call may be sent while the reservation is made (lib/runs/early-dispatch.ts); the
// engine reads it only once the run is reserved.
// openRun does the first half and hands back a reserved run; `execute` does the second.

export type RunRequest = {
  /** Who pays, whose restrictions apply and who the end user is. */
  principal: Principal;
  /** The version to run: published, pinned, or the draft (the playground); a split label's arms pick one per end user. */
  version: ServedVersion;
  source: RunSource;
  protocol: string;
  /** The body's known fields. */
  fields: { session_id?: string | null; user?: string };
  /** The body's template variables and earlier turns, once the version's variables are known. */
  shape: (variables: string[]) => Shaped;
  /** The client's request: while it waits for credits, its going away ends the wait. */
  signal?: AbortSignal;
  /**
   * The run's id, chosen before it exists when an Idempotency-Key was claimed for it (the claim
   * records it: a repeat of the request finds the run by it). Such a run outlives its client's
   * disconnect, since the client is expected back for its answer.
   */
  runId?: string;
  timing?: ServerTiming;
  /**
   * The caller's rate-limit verdict, when the request went on before it (lib/api/route.ts,
   * `overlapsRateLimit`): awaited before the run is reserved, so a refused request writes nothing
   * and its early model call is dropped.
   */
  admitted?: Promise<void>;
};

/** `output`: the answer parsed, when the workflow declares an output schema and the answer matches it. */
export type RunOutcome = {
  result: CallResult;
  done: FinishedRun;
  output?: unknown;
  /** A run with tools: its steps and why it stopped (its client tool calls are `result.toolCalls`). */
  steps?: Pick<StepsOutcome, "steps" | "stopReason">;
};

export type OpenRun = {
  run: StartedRun;
  sessionId: string | null;
  /** Who runs each of the version's tools (a name not in it: a caller's tool, run by the client). */
  toolExecutors: Map<string, ToolExecutor>;
  /**
   * Calls the model and finishes the run. `clientSignal` cancels it (a disconnect); without one
   * only a cancel or the maximum duration stop it. `bindAbort` receives the run's own abort.
   */
  execute: (o: {
    clientSignal?: AbortSignal;
    handlers?: EngineHandlers & Pick<StepHandlers, "onToolResult">;
    bindAbort?: (abort: (reason?: unknown) => void) => void;
    timing?: ServerTiming;
  }) => Promise<RunOutcome>;
};

/**
 * The end user a run is attributed to: a stream token minted for one keeps it (the browser cannot
 * change it); otherwise the body's `user`.
 */
export function endUserOf(principal: Principal, bodyUser: string | undefined): string | null {
  return principal.endUser ?? bodyUser?.slice(0, 200) ?? null;
}

export async function openRun(r: RunRequest): Promise<OpenRun> {
  const { prepared, sessionId, reserve, payer } = await admitRun(r);
  const startedAt = performance.now();
  // The first model call goes out now when it may (lib/runs/early-dispatch.ts): the reservation's
  // time is then the model's, until the call is taken over or dropped.
  let early = dispatchEarly(prepared, { ...payer, maxCredits: r.principal.restrictions?.maxCredits });
  const clientGone = () => early?.abort(r.signal?.reason);
  r.signal?.addEventListener("abort", clientGone, { once: true });
  let run: StartedRun;
  try {
    run = await reserve({ overlapped: early !== undefined });
  } catch (e) {
    early?.abort(e);
    throw e;
  } finally {
    // From here the run's own signal decides (a resumable run outlives its client).
    r.signal?.removeEventListener("abort", clientGone);
  }
  // Whoever opens a run executes it in the same turn (the transports, evals): a call not taken by then is dropped.
  if (early) setImmediate(() => early?.abort(new DOMException("not executed", "AbortError")));
  return {
    run,
    sessionId,
    toolExecutors: prepared.toolExecutors,
    execute: (o) => {
      const taken = early;
      early = undefined;
      return trackRun(executeRun(prepared, run, startedAt, { timing: r.timing, ...o, early: taken }));
    },
  };
}

/**
 * Runs the version to completion (no streaming): POST /run and the OpenAI surface's non-streamed
 * calls. A failed run comes back with its `result.error`; each transport answers it its own way.
 */
export async function completeRun(
  r: RunRequest,
  clientSignal?: AbortSignal,
): Promise<RunOutcome & { run: StartedRun; toolExecutors: OpenRun["toolExecutors"] }> {
  const { run, execute, toolExecutors } = await openRun({ ...r, signal: clientSignal });
  // An idempotent run (its id chosen for it) goes on without its client: a repeat waits for it.
  const outcome = await execute({ clientSignal: r.runId ? undefined : clientSignal });
  return { run, toolExecutors, ...outcome };
}

/**
 * The first half of openRun: the request prepared, and the step that reserves it — as a run that
 * starts now (openRun), or as a queued one (an async run, lib/runs/async-run.ts).
 */
export async function admitRun(r: RunRequest) {
  // A draining instance takes no new run; the client retries and the balancer sends it elsewhere.
  if (isDraining()) throw new AppError("service_unavailable", "This instance is shutting down: retry the request", { retry_after: 1 });
  // Past the check, the drain waits for this request until its run is tracked (lib/runs/in-flight.ts):
  // released once the reservation settles, a turn of the event loop later (the caller's execute()
  // tracks the run synchronously after its await), or at once if the request is refused first.
  const release = holdAdmission();
  try {
    return await prepareAdmission(r, release);
  } catch (e) {
    release();
    throw e;
  }
}

async function prepareAdmission(r: RunRequest, release: () => void) {
  const { principal } = r;
  const sessionId = r.fields.session_id ?? null;
  const endUser = endUserOf(principal, r.fields.user);
  const { version, assignment } = assignVersion(r.version, endUser);
  const prepared = await prepareRun({
    orgId: principal.orgId,
    version,
    shape: r.shape,
    sessionId,
    endUser,
    workflowIds: visibleWorkflows(principal),
  });
  r.timing?.mark("prepare");
  // `overlapped`: a model call went out before it (openRun), so its time is the model's wait, not the gateway's.
  const reserve = async ({ queued, runId = r.runId, overlapped = false }: { queued?: boolean; runId?: string; overlapped?: boolean }) => {
    await r.admitted;
    const run = await inSpan("reserve", {}, () =>
      reserveRun(prepared, {
        source: r.source,
        protocol: r.protocol,
        apiKeyId: principal.keyId,
        endUser,
        sessionId,
        signal: r.signal,
        restrictions: principal.restrictions,
        checkKey: principal.keyId !== null,
        runId,
        queued,
        assignment,
      }),
    ).finally(() => setImmediate(release));
    annotateSpan({ "flowgate.run_id": run.id });
    r.timing?.mark("start", { model: overlapped });
    return run;
  };
  // `drop`: the caller will not reserve after all (another part of its request failed): the drain stops waiting for it.
  return { prepared, sessionId, reserve, drop: release, payer: { orgId: principal.orgId, apiKeyId: principal.keyId, endUser } };
}

/** The second half: the model call(s), then the settlement. Exported for the queue's worker. */
export async function executeRun(
  prepared: PreparedRun,
  run: StartedRun,
  startedAt: number,
  { clientSignal, handlers, bindAbort, timing, early }: Parameters<OpenRun["execute"]>[0] & { early?: EarlyCall },
): Promise<RunOutcome> {
  const sig = runSignal(clientSignal, run);
  bindAbort?.(sig.abort);
  const { plan, prompt, version } = prepared;
  const schema = version.outputSchema;
  // One span for the model call as the client sees it: retries and fallbacks inside it.
  const primary = plan.steps[0]!;
  const stepped = usesSteps(version);
  let steps: StepsOutcome | undefined;
  const result = await inModelCallSpan(
    {
      provider: primary.model.provider,
      modelId: primary.model.modelId,
      maxOutputTokens: run.maxOutputTokens,
      temperature: version.temperature,
    },
    async () => {
      const h = timing ? { ...handlers, onDispatch: () => timing.mark("dispatch") } : handlers;
      const common = { ...callSettings(prepared), signal: sig.signal, progress: sig.progress };
      try {
        // A version with tools loops over steps (lib/runs/run-steps.ts); a plain one is one call.
        if (stepped) return (steps = await callSteps(prepared, run, common, h)).result;
        return await callWithRetries(
          { ...common, plan, prompt, maxOutputTokens: run.maxOutputTokens, inputTokensEstimate: run.inputTokensEstimate, early },
          h,
        );
      } finally {
        sig.dispose();
      }
    },
  );
  // The wait for the model, which Server-Timing's overhead leaves out: up to the first token for a
  // stream (its transport marks that, when the headers go out), to the answer for JSON.
  timing?.mark("model", { model: true });
  // An answer that does not match the declared schema fails the run (charged what the provider billed).
  // A run with tools is checked once it answered (not when it stopped for a client tool call, or short of credits).
  const checked = schema && !result.error && (!steps || steps.stopReason === "stop") ? checkOutput(schema, result.text) : undefined;
  if (checked && !checked.ok) result.error = { code: "output_invalid", message: checked.message };
  const done = await inSpan("settle", { "flowgate.run_id": run.id }, async (span) => {
    const d = await finishRun(run, result, startedAt, steps ? { cost: steps.cost } : undefined);
    const calls = result.error ? [] : clientToolCalls(result.toolCalls, prepared.toolExecutors);
    if (d.finishedHere && calls.length) {
      await setRunToolCalls(await getDb(), {
        runId: run.id,
        toolCalls: calls.map((c) => ({ id: c.toolCallId, name: c.toolName, arguments: stripNul(c.input) })),
      });
    }
    span?.setAttributes({ "flowgate.run_status": d.status, "flowgate.credits_charged": d.creditsCharged });
    return d;
  });
  return {
    result,
    done,
    ...(checked?.ok ? { output: checked.output } : {}),
    ...(steps ? { steps: { steps: steps.steps, stopReason: steps.stopReason } } : {}),
  };
}

/** The calls the caller must run: the run's tool calls but those of server tools (http, mcp), which the server ran. */
export function clientToolCalls(calls: EngineToolCall[], executors: Map<string, ToolExecutor>): EngineToolCall[] {
  return calls.filter((c) => executors.get(c.toolName) !== "server");
}
