import { getRunBus } from "@/lib/runs/run-bus";
import type { StreamSink } from "./protocols/types";

/** Forwards a resumable run's events to its first client and to the run bus. */
export function publishing(sink: StreamSink, runId: string): StreamSink {
  const bus = getRunBus();
  return {
    failureInStream: sink.failureInStream,
    start: (id) => sink.start(id),
    text(delta, index) {
      sink.text(delta, index);
      bus.publish(runId, { t: "text", d: delta, i: index });
    },
    source(url, title) {
      sink.source(url, title);
      bus.publish(runId, { t: "source", url, ...(title ? { title } : {}) });
    },
    toolInputStart(e) {
      sink.toolInputStart(e);
      bus.publish(runId, { t: "tool-start", id: e.toolCallId, name: e.toolName, server: e.server });
    },
    toolInputDelta(id, delta) {
      sink.toolInputDelta(id, delta);
      bus.publish(runId, { t: "tool-delta", id, d: delta });
    },
    toolCall(c) {
      sink.toolCall(c);
      bus.publish(runId, { t: "tool-call", id: c.toolCallId, name: c.toolName, input: c.input, server: c.server });
    },
    toolResult(r) {
      sink.toolResult(r);
      bus.publish(runId, { t: "tool-result", id: r.toolCallId, name: r.toolName, output: r.output, ...(r.isError ? { error: true } : {}) });
    },
    end(end) {
      sink.end(end);
      bus.publish(runId, { t: "end", end });
    },
    response: (h) => sink.response(h),
  };
}
