import type { z } from "zod";
import type { sseEvents } from "@/lib/runs/schemas";
import { controlledByteStream, type SinkOptions, type StreamSink } from "./types";

// The events' data are typed by their documented schemas (lib/runs/schemas.ts → the API document).
type EventData = { [E in keyof typeof sseEvents]: z.input<(typeof sseEvents)[E]> };

const KEEP_ALIVE_MS = 15_000;

function frame<E extends keyof EventData>(event: E, data: EventData[E], id?: number) {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The SSE protocol (docs/contract.md, "The SSE protocol"): `start`, `chunk` {content, index} with an SSE id per chunk (so
 * Last-Event-ID names the last chunk received), `error` {error, code}, `done` {message, usage,
 * execution_time, citations, credits_charged}; a comment line every 15 s keeps proxies from
 * closing an idle stream.
 */
export function sseSink({ onCancel, sessionId }: SinkOptions & { sessionId?: string | null }): StreamSink {
  const body = controlledByteStream((reason) => {
    clearInterval(keepAlive);
    onCancel(reason);
  });
  const keepAlive = setInterval(() => body.write(": keep-alive\n\n"), KEEP_ALIVE_MS);
  keepAlive.unref?.();
  return {
    failureInStream: true,
    start(runId) {
      body.write(frame("start", { message: "Stream started", run_id: runId, ...(sessionId ? { session_id: sessionId } : {}) }));
    },
    text: (content, index) => body.write(frame("chunk", { content, index }, index)),
    source() {},
    // Arguments are sent whole, once the call is complete: one event per call is what SSE clients act on.
    toolInputStart() {},
    toolInputDelta() {},
    toolCall(c) {
      body.write(
        frame("tool_call", {
          tool_call_id: c.toolCallId,
          name: c.toolName,
          arguments: c.input,
          executed_by: c.server ? "server" : "client",
        }),
      );
    },
    toolResult(r) {
      body.write(frame("tool_result", { tool_call_id: r.toolCallId, name: r.toolName, output: r.output, is_error: r.isError === true }));
    },
    end(end) {
      clearInterval(keepAlive);
      if (end.error && end.status === "failed") {
        // The SSE protocol's codes (docs/contract.md): CAPACITY_ERROR (with retry_after) when every call was rate-limited or overloaded.
        const capacity = end.error.capacity
          ? { code: "CAPACITY_ERROR", retry_after: end.error.retryAfterS ?? 1 }
          : { code: "STREAM_ERROR" };
        body.write(frame("error", { error: "Failed to run workflow", ...capacity, run_id: end.runId }));
      }
      body.write(
        frame("done", {
          message: end.status === "completed" ? "Stream complete" : `Stream ${end.status}`,
          status: end.status,
          run_id: end.runId,
          usage: end.usage,
          execution_time: end.executionTimeS,
          citations: end.citations,
          credits_charged: end.creditsCharged,
          ...(end.toolCalls?.length ? { finish_reason: "tool_calls" } : {}),
          ...(end.output !== undefined ? { output: end.output } : {}),
        }),
      );
      body.close();
    },
    response(headers) {
      headers.set("content-type", "text/event-stream; charset=utf-8");
      headers.set("connection", "keep-alive");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}
