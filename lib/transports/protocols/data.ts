import { controlledByteStream, type RunEnd, type SinkOptions, type StreamSink } from "./types";

// AI SDK 4's data stream protocol: what its useChat reads by default (`import { useChat } from
// "ai/react"`, the stream endpoint's own example in docs/contract.md). One `<code>:<json>\n` line per part: `f` start step, `0`
// text, `h` source, `b`/`c` a tool call's start and argument deltas, `9` the tool call, `a` a
// (server) tool's result, `8` message annotations, `e` finish step, `d` finish message, `3` error.
// A run that ends with client tool calls finishes with "tool-calls": v4's useChat runs them
// (onToolCall) and, with `maxSteps`, sends the conversation back with their results.

const line = (code: string, value: unknown) => `${code}:${JSON.stringify(value)}\n`;

/** What the v4 client keeps of a run: the annotations it exposes on the message. */
function runAnnotation(end: RunEnd) {
  return {
    run_id: end.runId,
    status: end.status,
    usage: end.usage,
    credits_charged: end.creditsCharged,
    citations: end.citations,
    ...(end.output !== undefined ? { output: end.output } : {}),
  };
}

/**
 * The run id is the assistant message's id (the `f` part) and an annotation from the start; usage
 * goes in the finish parts in v4's own fields, with the credits and status as the last annotation.
 * A failed run ends with the error part, which v4's client raises as `error` (keeping the partial
 * text); nothing after it would be read.
 */
export function dataSink({ onCancel }: SinkOptions): StreamSink {
  const body = controlledByteStream(onCancel);
  let sources = 0;
  return {
    failureInStream: true,
    start(runId) {
      body.write(line("f", { messageId: runId }) + line("8", [{ run_id: runId }]));
    },
    text: (delta) => body.write(line("0", delta)),
    source(url, title) {
      body.write(line("h", { sourceType: "url", id: `source-${sources++}`, url, ...(title ? { title } : {}) }));
    },
    toolInputStart: (e) => body.write(line("b", { toolCallId: e.toolCallId, toolName: e.toolName })),
    toolInputDelta: (id, delta) => body.write(line("c", { toolCallId: id, argsTextDelta: delta })),
    toolCall(c) {
      body.write(line("9", { toolCallId: c.toolCallId, toolName: c.toolName, args: parsedArgs(c.input) }));
    },
    toolResult(r) {
      body.write(line("a", { toolCallId: r.toolCallId, result: r.isError ? { error: r.output } : parsedArgs(r.output) }));
    },
    end(end) {
      const finishReason =
        end.status === "completed" ? (end.toolCalls?.length ? "tool-calls" : "stop") : end.status === "failed" ? "error" : "other";
      const usage = { promptTokens: end.usage.input_tokens, completionTokens: end.usage.output_tokens };
      body.write(line("e", { finishReason, usage, isContinued: false }) + line("8", [runAnnotation(end)]));
      body.write(
        end.status === "failed" ? line("3", `Failed to run workflow (${end.error?.code ?? "error"})`) : line("d", { finishReason, usage }),
      );
      body.close();
    },
    response(headers) {
      headers.set("content-type", "text/plain; charset=utf-8");
      headers.set("x-vercel-ai-data-stream", "v1");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}

function parsedArgs(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}
