import { sseSink } from "./sse";
import { textSink } from "./text";
import type { SinkOptions, StreamSink } from "./types";
import { uiSink } from "./ui";

export type StreamProtocol = "text" | "ui" | "sse";

export function sinkFor(protocol: StreamProtocol, opts: SinkOptions & { sessionId?: string | null }): StreamSink {
  return protocol === "sse" ? sseSink(opts) : protocol === "ui" ? uiSink(opts) : textSink(opts);
}
