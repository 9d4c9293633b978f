import type { RunEnd } from "@/lib/runs/run-end";
import { flushWindowMs } from "./flush-window";
export type { RunEnd };

/**
 * A tool call as a stream reports it (issue 31). `input` is its arguments' JSON text. `server`: the
 * run executes it (an http or mcp tool) and feeds the answer back to the model; otherwise it is a
 * client tool, whose call ends the run's turn and goes to the caller. The OpenAI-compatible
 * streams hide server tools; the UI, data and SSE protocols show both.
 */
export type ToolCallEvent = { toolCallId: string; toolName: string; input: string; server: boolean };
/** The start of a tool call whose arguments then stream as JSON text deltas (toolInputDelta). */
export type ToolInputStartEvent = { toolCallId: string; toolName: string; server: boolean };
/** A server tool's answer as fed back to the model (`isError`: it failed or timed out; `output` says how). */
export type ToolResultEvent = { toolCallId: string; toolName: string; output: string; isError?: boolean };

/**
 * One wire protocol. The run writes events; the sink frames them and owns the Response body.
 * `onCancel` is how a sink reports that its reader went away (client disconnect).
 */
export interface StreamSink {
  start(runId: string): void;
  text(delta: string, index: number): void;
  source(url: string, title?: string): void;
  /** A tool call begins; its arguments follow as deltas, then toolCall() with the whole call. */
  toolInputStart(e: ToolInputStartEvent): void;
  toolInputDelta(toolCallId: string, delta: string): void;
  toolCall(call: ToolCallEvent): void;
  /** A server tool answered (the run goes on with another model call). */
  toolResult(result: ToolResultEvent): void;
  end(end: RunEnd): void;
  response(headers: Headers): Response;
  /**
   * How this protocol reports a run whose model calls all failed before its first token: in the
   * stream (an error event its clients read: SSE, the UI stream, AI SDK 4 data) or, when false,
   * as the documented HTTP error with the reason (plain text has no error event; the OpenAI SDKs
   * raise typed errors from the status).
   */
  readonly failureInStream: boolean;
}

export type SinkOptions = {
  onCancel: (reason: unknown) => void;
  /**
   * The id of the assistant message this answer continues (useChat resubmitting a message with its
   * tool outputs): the UI stream's `start` names it, so the client appends to that message.
   */
  continueMessageId?: string;
};

export const encoder = new TextEncoder();

/**
 * The key under which a body made by controlledByteStream offers to be written straight to the
 * connection (scripts/direct-routes.mjs, which cannot import this: hence Symbol.for). Called with
 * a PushTarget before anything has read the stream, it hands its writes to the target from then on
 * and returns a PushHandle; otherwise null, and the body is read as any other stream.
 */
export const PUSH_BODY = Symbol.for("flowgate.pushBody");
/** Where a pushed body's writes go: the response itself. */
export type PushTarget = { write(text: string): void; end(): void; fail(e: Error): void };
/** `wrote`: the body's first bytes were written as it was taken (the head went out with them); `cancel`: the client went away. */
export type PushHandle = { wrote: boolean; cancel(reason?: unknown): void };

/**
 * A byte stream whose controller the sink drives directly (no TransformStream hop per delta).
 * Writes made in the same turn of the event loop are coalesced into one chunk, flushed on
 * setImmediate: a fast upstream's burst of deltas becomes one socket write instead of twenty
 * (profiling showed per-delta writes as the largest cost). While the process is busy, a paced
 * stream's later deltas are also gathered for up to STREAM_FLUSH_MS after its last write
 * (./flush-window.ts); the first bytes, and the end, are never held back.
 *
 * On a direct route the stream is not read at all: the response takes its writes (PUSH_BODY), so a
 * delta goes to the socket without being encoded, queued and read back through a promise on the
 * way (bench/README.md, round 15).
 */
export function controlledByteStream(onCancel: (reason: unknown) => void) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let pending = "";
  let scheduled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFlush = -Infinity;
  let target: PushTarget | undefined;
  const flush = (hold = true) => {
    scheduled = false;
    clearTimeout(timer);
    timer = undefined;
    if (closed || !pending) return;
    // Nobody has taken the body yet (a stream is returned at its first token; SSE's start event
    // is written before it): its bytes wait for whoever does, so that a direct route can still
    // take the writes (PUSH_BODY) and a reader gets them at its first read (pull).
    if (!target && hold && !stream.locked) return;
    // Taken first: an enqueue that answers a waiting read calls pull, and so this, again.
    const out = pending;
    pending = "";
    lastFlush = performance.now();
    if (target) target.write(out);
    else controller.enqueue(encoder.encode(out));
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    // A reader's first read takes what was held for it; later writes keep their own schedule.
    pull() {
      if (lastFlush === -Infinity) flush();
    },
    cancel(reason) {
      closed = true;
      onCancel(reason);
    },
  });
  // A pushed body's client went away: as a reader's cancel, unless the body had already ended.
  const cancel = (reason: unknown) => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    onCancel(reason);
  };
  Object.defineProperty(stream, PUSH_BODY, {
    value: (t: PushTarget): PushHandle | null => {
      // Bytes already queued (a flush has run: lastFlush is set), a reader, or the end already
      // reached: read it as a stream.
      if (target || lastFlush > -Infinity || closed || stream.locked) return null;
      target = t;
      // The first bytes are already here (a stream is returned at its first token): they go out
      // now, with the head, not on the setImmediate already scheduled — on a busy loop that waits
      // out the rest of the poll phase, every other socket's data included (bench/README.md, round 20).
      const wrote = pending !== "";
      if (wrote) flush();
      return { wrote, cancel };
    },
  });
  return {
    stream,
    write(s: string) {
      if (closed) return;
      pending += s;
      if (scheduled) return;
      scheduled = true;
      const windowMs = flushWindowMs();
      const wait = windowMs ? lastFlush + windowMs - performance.now() : 0;
      if (wait > 0) timer = setTimeout(flush, wait);
      else setImmediate(flush);
    },
    close() {
      if (closed) return;
      flush(false);
      closed = true;
      if (target) target.end();
      else controller.close();
    },
    /** Errors the body: the server then aborts the connection instead of ending it cleanly. */
    fail(e: Error) {
      if (closed) return;
      flush(false);
      closed = true;
      if (target) target.fail(e);
      else controller.error(e);
    },
  };
}
