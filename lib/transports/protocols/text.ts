import { controlledByteStream, type SinkOptions, type StreamSink } from "./types";

/** The text protocol (docs/contract.md, stream tokens and the stream endpoint): `text/plain; charset=utf-8`, each delta written as it arrives, nothing else on the wire. */
export function textSink({ onCancel }: SinkOptions): StreamSink {
  const body = controlledByteStream(onCancel);
  return {
    failureInStream: false,
    start() {},
    text: (delta) => body.write(delta),
    source() {},
    // Plain text carries the answer's text only: tool calls have no place in it.
    toolInputStart() {},
    toolInputDelta() {},
    toolCall() {},
    toolResult() {},
    end(end) {
      // Plain text has no error frame: a failed or cut stream must not look complete, so the
      // body errors and the connection is aborted rather than ended cleanly.
      if (end.status === "completed") body.close();
      else body.fail(new Error(`run ${end.runId} ${end.status}: ${end.error?.code ?? "error"}`));
    },
    response(headers) {
      headers.set("content-type", "text/plain; charset=utf-8");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}
