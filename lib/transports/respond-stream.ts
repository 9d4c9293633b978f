import { clientToolCalls, openRun, type RunRequest } from "@/lib/runs/open-run";
import { paced, type Pacing } from "./protocols/paced";
import type { SinkOptions, StreamSink } from "./protocols/types";
import { sinkFor, type StreamProtocol } from "./protocols/sink-for";
import { publishing } from "./publishing";
import { runFailedError } from "./run-failure";

/** A wire format defined outside lib/runs (the OpenAI-compatible streams): its name on the run record, and its sink. */
export type CustomProtocol = { name: string; sink: (o: SinkOptions) => StreamSink };

/**
 * POST /api/v1/run/:id/stream (and the playground) — the run's output as it is generated, in the
 * protocol the client asked for. Everything that can fail before the first token (auth, 404, 400,
 * 402, an upstream that refuses) is answered with the documented JSON error and status; after it,
 * with the protocol's error event (or an aborted connection for plain text). A client that goes
 * away cancels the run, which is then recorded as canceled — unless the run is resumable: then
 * the disconnect detaches the stream, the run goes on, and its events go to the run bus for
 * GET /runs/:id/stream.
 */
export async function respondStream(
  r: Omit<RunRequest, "protocol">,
  {
    req,
    protocol,
    resumable,
    headers,
    pacing,
    continueMessageId,
  }: {
    req: Request;
    protocol: StreamProtocol | CustomProtocol;
    resumable: boolean;
    headers: Headers;
    pacing?: Pacing;
    /** useChat resubmitting an assistant message (its tool outputs added): the answer continues it. */
    continueMessageId?: string;
  },
): Promise<Response> {
  const name = typeof protocol === "string" ? protocol : protocol.name;
  // An idempotent run (its id chosen for it) goes on without its client and on the run bus: a repeat follows it.
  resumable ||= r.runId !== undefined;
  const { run, sessionId, toolExecutors, execute } = await openRun({ ...r, protocol: name, signal: req.signal });
  let abort: (reason?: unknown) => void = () => {};
  let pacer: ReturnType<typeof paced> | undefined;
  const onCancel = resumable
    ? () => {}
    : (reason: unknown) => {
        pacer?.stop();
        abort(reason ?? new DOMException("client disconnected", "AbortError"));
      };
  const wire = typeof protocol === "string" ? sinkFor(protocol, { onCancel, sessionId, continueMessageId }) : protocol.sink({ onCancel });
  const shared: StreamSink = resumable ? publishing(wire, run.id) : wire;
  // Pacing wraps the run bus too: a resumed SSE stream counts the chunks its client saw.
  const sink = pacing ? (pacer = paced(shared, pacing)) : shared;

  // The response is returned at the first token (or at the end, whichever comes first), so that
  // a run that fails before producing anything can still get a real HTTP error status.
  const isServer = (toolName: string) => toolExecutors.get(toolName) === "server";
  let markFirst!: () => void;
  const first = new Promise<void>((resolve) => (markFirst = resolve));
  sink.start(run.id);
  const finished = execute({
    clientSignal: resumable ? undefined : req.signal,
    bindAbort: (a) => (abort = a),
    handlers: {
      onText: (delta, index) => {
        if (index === 0) markFirst();
        sink.text(delta, index);
      },
      onSource: (url, title) => sink.source(url, title),
      onToolInputStart: (id, toolName) => {
        markFirst();
        sink.toolInputStart({ toolCallId: id, toolName, server: isServer(toolName) });
      },
      onToolInputDelta: (id, delta) => sink.toolInputDelta(id, delta),
      onToolCall: (c) => {
        markFirst();
        sink.toolCall({ ...c, server: isServer(c.toolName) });
      },
      // A server tool's answer (lib/runs/run-steps.ts), as the protocol shows it (SSE tool_result, a UI output part, …).
      onToolResult: (t) => sink.toolResult({ toolCallId: t.toolCallId, toolName: t.toolName, output: t.output, isError: t.error !== null }),
    },
  });

  const early = await Promise.race([first.then(() => null), finished]);
  r.timing?.mark("first-token", { model: true });
  r.timing?.apply(headers);
  headers.set("x-run-id", run.id);
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  // A run whose model calls all failed before a token: its protocol says how its clients hear it
  // (StreamSink.failureInStream) — SSE's `error` event (CAPACITY_ERROR with retry_after when every
  // call was turned away for capacity, STREAM_ERROR otherwise; docs/contract.md, the SSE protocol)
  // and the AI SDK's error part, or the 500 with the reason.
  if (early && early.result.error && !early.result.text && !sink.failureInStream) throw runFailedError(run.id, early.result);
  void finished.then(
    ({ result, done, output }) =>
      sink.end({
        runId: run.id,
        status: done.status,
        text: result.text,
        citations: result.citations,
        usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
        creditsCharged: done.creditsCharged,
        executionTimeS: Math.round(done.latencyMs ?? 0) / 1000,
        finishReason: result.finishReason,
        ...(!result.error && result.toolCalls.length ? { toolCalls: clientToolCalls(result.toolCalls, toolExecutors) } : {}),
        error: result.error && { ...result.error, capacity: result.failure?.capacity, retryAfterS: result.failure?.retryAfterS },
        ...(output !== undefined ? { output } : {}),
      }),
    () =>
      // finishRun gave up after its retries: the sweeper will close the run; the client must not see a clean end.
      sink.end({
        runId: run.id,
        status: "failed",
        text: "",
        citations: [],
        usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
        creditsCharged: 0,
        executionTimeS: 0,
        finishReason: "error",
        error: { code: "internal_error", message: "could not record the run" },
      }),
  );
  return sink.response(headers);
}
