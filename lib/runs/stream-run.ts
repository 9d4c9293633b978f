import type { Principal } from "@/lib/auth/principal";
import { visibleWorkflows } from "@/lib/auth/scope";
import { AppError } from "@/lib/errors";
import type { RunSource, WorkflowVersion } from "@/db/schema";
import type { ServerTiming } from "@/lib/server-timing";
import { parseInputOrThrow, searchParamsOf } from "@/lib/validation/parse-input";
import { callWithRetries, failureBody } from "@/lib/llm/call-with-retries";
import { finishRun } from "./finish-run";
import { prepareRun } from "./prepare-run";
import type { StreamSink } from "./protocols/types";
import { runSignal } from "./run-signal";
import { startRun } from "./start-run";
import { sinkFor } from "./protocols/sink-for";
import { publishing } from "./run-bus";
import { streamBody, streamQuery } from "./schemas";
import { chooseProtocol, streamInputs } from "./stream-inputs";

/**
 * POST /api/v1/run/:id/stream — the run's output as it is generated, in the protocol the client
 * asked for. Everything that can fail before the first token (auth, 404, 400, 402, an upstream
 * that refuses) is answered with the seed's JSON error and status; after it, with the protocol's
 * error event (or an aborted connection for plain text). A client that goes away cancels the run,
 * which is then recorded as canceled and charged only what was produced.
 */
export async function streamRun({
  req, body, principal, workflowId, headers, timing, source = "stream", version,
}: {
  req: Request; body: Record<string, unknown>; principal: Principal; workflowId: string; headers: Headers; timing?: ServerTiming; source?: RunSource;
  version?: WorkflowVersion;
}): Promise<Response> {
  const query = parseInputOrThrow(streamQuery, searchParamsOf(req));
  const protocol = chooseProtocol(query.protocol, req, body);
  const fields = parseInputOrThrow(streamBody, body);
  const sessionId = fields.session_id ?? null;
  const prepared = await prepareRun({
    orgId: principal.orgId, workflowId, body, sessionId, version, shape: (variables) => streamInputs(body, fields, variables),
    workflowIds: visibleWorkflows(principal),
  });
  timing?.mark("prepare");
  // A token minted for an end user (?user=) keeps that attribution: the browser cannot change it.
  const endUser = principal.endUser ?? fields.user?.slice(0, 200) ?? null;
  const startedAt = performance.now();
  const run = await startRun(prepared, { source, protocol, apiKeyId: principal.keyId, sessionId, endUser, signal: req.signal, scope: principal.scope, checkKey: true });
  timing?.mark("start");
  // A resumable run outlives its client: the disconnect detaches the stream, the run goes on, and
  // its events go to the run bus for GET /runs/:id/stream. Otherwise a disconnect cancels it.
  const resumable = query.resumable;
  const sig = runSignal(resumable ? undefined : req.signal, run);
  const onCancel = resumable ? () => {} : (reason: unknown) => sig.abort(reason ?? new DOMException("client disconnected", "AbortError"));
  const wire = sinkFor(protocol, { onCancel, sessionId });
  const sink: StreamSink = resumable ? publishing(wire, run.id) : wire;

  // The response is returned at the first token (or at the end, whichever comes first), so that
  // a run that fails before producing anything still gets a real HTTP error status.
  let markFirst!: () => void;
  const first = new Promise<void>((r) => (markFirst = r));
  sink.start(run.id);
  const finished = callWithRetries(
    {
      route: prepared.route, prompt: prepared.prompt, maxOutputTokens: run.maxOutputTokens,
      temperature: prepared.version.temperature, signal: sig.signal,
      inputTokensEstimate: run.inputTokensEstimate, progress: sig.progress,
    },
    {
      onText: (delta, index) => {
        if (index === 0) markFirst();
        sink.text(delta, index);
      },
      onSource: (url, title) => sink.source(url, title),
    },
  ).then(async (result) => {
    sig.dispose();
    const done = await finishRun(run, result, startedAt);
    return { result, done };
  });

  const early = await Promise.race([first.then(() => null), finished]);
  timing?.mark("first-token");
  timing?.apply(headers);
  headers.set("x-run-id", run.id);
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  if (early && early.result.error && !early.result.text) {
    throw new AppError("internal_server_error", undefined, { run_id: run.id, ...failureBody(early.result) });
  }
  void finished.then(
    ({ result, done }) =>
      sink.end({
        runId: run.id, status: done.status, text: result.text, citations: result.citations,
        usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
        creditsCharged: done.creditsCharged, executionTimeS: Math.round(done.latencyMs ?? 0) / 1000,
        error: result.error && { ...result.error, capacity: result.failure?.capacity, retryAfterS: result.failure?.retryAfterS },
      }),
    () =>
      // finishRun gave up after its retries: the sweeper will close the run; the client must not see a clean end.
      sink.end({
        runId: run.id, status: "failed", text: "", citations: [], usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
        creditsCharged: 0, executionTimeS: 0, error: { code: "internal_error", message: "could not record the run" },
      }),
  );
  return sink.response(headers);
}
