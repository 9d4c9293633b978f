import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import type { z } from "zod";
import { getRunOrThrow } from "@/lib/runs/get-run";
import { sinkFor } from "./protocols/sink-for";
import type { RunEnd } from "./protocols/types";
import { getRunBus, type BusEvent } from "@/lib/runs/run-bus";
import type { resumeQuery } from "@/lib/runs/schemas";
import { chooseProtocol, type StreamProtocol } from "./stream-inputs";

/** The first text index to send: after Last-Event-ID (SSE ids are chunk indexes) or resume_from_index (docs/contract.md, the SSE protocol). */
function resumeFrom(req: Request, protocol: StreamProtocol, resumeFromIndex: number | undefined): number {
  if (protocol !== "sse") return 0; // the UI and text protocols restart from the beginning
  const last = req.headers.get("last-event-id");
  if (last !== null && /^\d+$/.test(last)) return Number(last) + 1;
  return resumeFromIndex ?? 0;
}

/** How long the run bus (Redis) may take to answer a follow before it counts as down. */
const FOLLOW_TIMEOUT_MS = 2000;

/** The run's events from the bus; "down" when the bus failed or did not answer in time. */
async function followBus(runId: string): Promise<ReadableStream<BusEvent> | null | "down"> {
  const following = getRunBus().follow(runId);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"down">((r) => (timer = setTimeout(() => r("down"), FOLLOW_TIMEOUT_MS)));
  try {
    const got = await Promise.race([following, late]);
    // A follow that answers after we gave up must not keep its listener until the run ends.
    if (got === "down")
      void following.then(
        (s) => s?.cancel(),
        () => {},
      );
    return got;
  } catch (err) {
    logger.warn("resume: run bus unavailable", { runId, err: (err as Error).message });
    return "down";
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/v1/runs/:id/stream — picks a resumable run's stream up again, live until its end: in
 * SSE from the chunk after Last-Event-ID (or resume_from_index), in the UI and text protocols from
 * the start. A finished run that is no longer on the bus is replayed from its stored output. 204
 * when there is nothing to resume (a run still going that was not started resumable).
 */
export async function resumeRun({
  req,
  principal,
  runId,
  query,
  headers,
  protocol: asked,
}: {
  req: Request;
  principal: Principal;
  runId: string;
  query: z.output<typeof resumeQuery>;
  headers: Headers;
  /** The protocol to answer in (an idempotent repeat of POST /stream: the one it asks for). */
  protocol?: StreamProtocol;
}) {
  const run = await getRunOrThrow(principal, runId);
  const protocol =
    asked ??
    (query.protocol !== undefined || (req.headers.get("accept") ?? "").includes("text/event-stream")
      ? chooseProtocol(query.protocol, req, {})
      : ((run.protocol === "sse" || run.protocol === "ui" || run.protocol === "data" ? run.protocol : "text") as StreamProtocol));
  const from = resumeFrom(req, protocol, query.resume_from_index);
  const followed = await followBus(runId);
  // Without the bus a finished run is still its stored output (README, "Resumable streams"); a run
  // that is still going cannot be followed: 503, try again (never the generic 500).
  if (followed === "down" && (run.status === "running" || run.status === "queued")) {
    throw new AppError("service_unavailable", "The run's live stream is unavailable: retry shortly", { retry_after: 1 });
  }
  const events = followed === "down" ? null : followed;
  headers.set("x-run-id", runId);
  headers.set("cache-control", "no-cache");
  headers.set("x-accel-buffering", "no");
  if (!events && run.status === "running") return new Response(null, { status: 204, headers });
  const reader = events?.getReader();
  // A follower that goes away is dropped now (its bus listener with it), not when the run ends.
  const sink = sinkFor(protocol, { onCancel: () => void reader?.cancel().catch(() => {}), sessionId: run.sessionId });
  sink.start(runId);
  if (reader) {
    void (async () => {
      for (;;) {
        const { value: e, done } = await reader.read();
        if (done) return;
        if (e.t === "text" && e.i >= from) sink.text(e.d, e.i);
        else if (e.t === "source") sink.source(e.url, e.title);
        else if (e.t === "tool-start") sink.toolInputStart({ toolCallId: e.id, toolName: e.name, server: e.server });
        else if (e.t === "tool-delta") sink.toolInputDelta(e.id, e.d);
        else if (e.t === "tool-call") sink.toolCall({ toolCallId: e.id, toolName: e.name, input: e.input, server: e.server });
        else if (e.t === "tool-result") sink.toolResult({ toolCallId: e.id, toolName: e.name, output: e.output, isError: e.error });
        else if (e.t === "end") sink.end(e.end);
      }
    })();
  } else {
    // Finished, and no longer on the bus: the stored output as one chunk, then the end.
    if (from === 0 && run.output) sink.text(run.output, 0);
    const end: RunEnd = {
      runId,
      status: run.status,
      text: run.output,
      citations: run.citations,
      usage: { input_tokens: run.inputTokens, output_tokens: run.outputTokens, total_tokens: run.totalTokens },
      creditsCharged: run.creditsCharged,
      executionTimeS: (run.latencyMs ?? 0) / 1000,
      error: run.errorCode ? { code: run.errorCode, message: run.errorMessage ?? "" } : undefined,
    };
    sink.end(end);
  }
  return sink.response(headers);
}
