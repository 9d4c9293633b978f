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
    end(end) {
      sink.end(end);
      bus.publish(runId, { t: "end", end });
    },
    response: (h) => sink.response(h),
  };
}
