import type { RunStatus } from "@/db/schema";

/** What a finished run tells its stream, whatever the protocol. */
export type RunEnd = {
  runId: string;
  status: RunStatus;
  text: string;
  citations: string[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  creditsCharged: number;
  executionTimeS: number;
  error?: { code: string; message: string };
};

/**
 * One wire protocol. The run writes events; the sink frames them and owns the Response body.
 * `onCancel` is how a sink reports that its reader went away (client disconnect).
 */
export interface StreamSink {
  start(runId: string): void;
  text(delta: string, index: number): void;
  source(url: string, title?: string): void;
  end(end: RunEnd): void;
  response(headers: Headers): Response;
}

export type SinkOptions = { onCancel: (reason: unknown) => void };

export const encoder = new TextEncoder();

/** A byte stream whose controller the sink drives directly: no TransformStream hop per delta. */
export function controlledByteStream(onCancel: (reason: unknown) => void) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel(reason) {
      closed = true;
      onCancel(reason);
    },
  });
  return {
    stream,
    write(s: string) {
      if (!closed) controller.enqueue(encoder.encode(s));
    },
    close() {
      if (closed) return;
      closed = true;
      controller.close();
    },
    /** Errors the body: the server then aborts the connection instead of ending it cleanly. */
    fail(e: Error) {
      if (closed) return;
      closed = true;
      controller.error(e);
    },
  };
}
