import { dataSink } from "./data";
import { sseSink } from "./sse";
import { textSink } from "./text";
import type { SinkOptions, StreamSink } from "./types";
import { uiSink } from "./ui";

export type StreamProtocol = "text" | "ui" | "sse" | "data";

export function sinkFor(protocol: StreamProtocol, opts: SinkOptions & { sessionId?: string | null }): StreamSink {
  switch (protocol) {
    case "sse":
      return sseSink(opts);
    case "ui":
      return uiSink(opts);
    case "data":
      return dataSink(opts);
    default:
      return textSink(opts);
  }
}
