import { createUIMessageStream, createUIMessageStreamResponse, type UIMessageStreamWriter } from "ai";
import { controlledByteStream, type SinkOptions, type StreamSink } from "./types";

/**
 * The AI SDK UI message stream (what useChat's DefaultChatTransport reads), written with the SDK's
 * own createUIMessageStream from our doStream() parts. Run id and usage travel as message metadata,
 * sources as source-url parts.
 */
export function uiSink({ onCancel, continueMessageId }: SinkOptions): StreamSink {
  let writer!: UIMessageStreamWriter;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const stream = createUIMessageStream({
    execute: (o) => {
      writer = o.writer;
      return done;
    },
    onError: () => "Failed to run workflow",
  });
  let texts = 0;
  let textId = "text-0";
  let textOpen = false;
  const closeText = () => {
    if (!textOpen) return;
    writer.write({ type: "text-end", id: textId });
    textOpen = false;
    textId = `text-${++texts}`;
  };
  const started = new Set<string>();
  let sources = 0;
  return {
    failureInStream: true,
    start(runId) {
      // Without a messageId createUIMessageStream would put a new one in: a continuation names its message.
      writer.write({ type: "start", messageMetadata: { run_id: runId }, ...(continueMessageId ? { messageId: continueMessageId } : {}) });
      writer.write({ type: "start-step" });
    },
    text(delta) {
      if (!textOpen) {
        textOpen = true;
        writer.write({ type: "text-start", id: textId });
      }
      writer.write({ type: "text-delta", id: textId, delta });
    },
    source(url, title) {
      writer.write({ type: "source-url", sourceId: `source-${sources++}`, url, ...(title ? { title } : {}) });
    },
    // Tool parts as streamText's UI stream writes them, so useChat's onToolCall, addToolOutput and
    // lastAssistantMessageIsCompleteWithToolCalls work unchanged. A server tool (http, mcp) is
    // `providerExecuted`: Flowgate is the provider as the browser sees it, so useChat does not
    // call onToolCall for it, and its output part follows in the same message.
    toolInputStart(e) {
      closeText();
      started.add(e.toolCallId);
      writer.write({
        type: "tool-input-start",
        toolCallId: e.toolCallId,
        toolName: e.toolName,
        ...(e.server ? { providerExecuted: true } : {}),
      });
    },
    toolInputDelta(id, delta) {
      if (started.has(id)) writer.write({ type: "tool-input-delta", toolCallId: id, inputTextDelta: delta });
    },
    toolCall(c) {
      closeText();
      writer.write({
        type: "tool-input-available",
        toolCallId: c.toolCallId,
        toolName: c.toolName,
        input: parsedInput(c.input),
        ...(c.server ? { providerExecuted: true } : {}),
      });
    },
    toolResult(r) {
      writer.write(
        r.isError
          ? { type: "tool-output-error", toolCallId: r.toolCallId, errorText: r.output, providerExecuted: true }
          : { type: "tool-output-available", toolCallId: r.toolCallId, output: parsedInput(r.output), providerExecuted: true },
      );
    },
    end(end) {
      closeText();
      writer.write({ type: "finish-step" });
      const metadata = {
        run_id: end.runId,
        status: end.status,
        usage: end.usage,
        credits_charged: end.creditsCharged,
        citations: end.citations,
        ...(end.output !== undefined ? { output: end.output } : {}),
      };
      if (end.status === "failed") {
        writer.write({ type: "error", errorText: `Failed to run workflow (${end.error?.code ?? "error"})` });
        writer.write({ type: "message-metadata", messageMetadata: metadata });
      } else if (end.status === "canceled") {
        writer.write({ type: "abort", reason: "canceled" });
        writer.write({ type: "message-metadata", messageMetadata: metadata });
      } else {
        writer.write({ type: "finish", finishReason: end.toolCalls?.length ? "tool-calls" : "stop", messageMetadata: metadata });
      }
      finish();
    },
    response(headers) {
      const res = createUIMessageStreamResponse({ stream, headers });
      // Re-chunk the SDK's byte stream through the coalescing writer (one socket write per burst),
      // which also reports a client disconnect as a cancel.
      const reader = res.body!.getReader();
      const out = controlledByteStream((reason) => {
        onCancel(reason);
        reader.cancel(reason).catch(() => {});
      });
      const decoder = new TextDecoder();
      void (async () => {
        for (;;) {
          const { value, done: d } = await reader.read();
          if (d) return out.close();
          out.write(decoder.decode(value, { stream: true }));
        }
      })().catch((e) => out.fail(e as Error));
      return new Response(out.stream, { status: res.status, headers: res.headers });
    },
  };
}

/** A tool's JSON text as the value the UI parts carry (text that is not JSON stays a string). */
function parsedInput(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
