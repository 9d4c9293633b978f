import type { RunEnd, StreamSink } from "./types";

/** The SSE protocol's stream controls (docs/contract.md): how the client receives the text, never what the model produces. */
export type Pacing = {
  /** Wait between two chunks (ms). */
  delayMs: number;
  /** Characters (code points) per chunk; undefined keeps the model's own deltas. */
  chunkSize?: number;
  /** After this long, the rest is sent without waiting: pacing never holds a response open past the run's maximum duration. */
  maxMs: number;
};

type Item =
  | { t: "text"; s: string }
  | { t: "source"; url: string; title?: string }
  | { t: "other"; emit: (s: StreamSink) => void }
  | { t: "end"; end: RunEnd };

/**
 * Index just past the first `n` code points of `s`, or -1 when `s` holds fewer (a high surrogate
 * at the very end counts as incomplete: its pair may come in the next delta).
 */
function cutAfter(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n; k++) {
    if (i >= s.length) return -1;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      if (i + 1 >= s.length) return -1;
      i += 2;
    } else i += 1;
  }
  return i;
}

/**
 * Re-chunks and paces a sink's text: deltas are cut into `chunkSize`-character chunks (the last
 * one shorter) and written `delayMs` apart, numbered afresh, so SSE ids and Last-Event-ID count
 * the chunks the client saw. Sources and the end keep their place in the sequence. What the run
 * stores and charges is the engine's, not this.
 */
export function paced(sink: StreamSink, { delayMs, chunkSize, maxMs }: Pacing): StreamSink & { stop(): void } {
  const queue: Item[] = [];
  let rest = ""; // text not yet a whole chunk
  let index = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let startedAt: number | undefined;

  // Node's timers count on libuv's clock in whole milliseconds, so one fires up to a millisecond
  // before its delay has passed: it is re-armed until the time is really due ("at least that far apart").
  const wait = (due: number) => {
    timer = setTimeout(
      () => {
        const left = due - performance.now();
        if (left > 0) return wait(due);
        timer = undefined;
        pump();
      },
      Math.max(1, Math.ceil(due - performance.now())),
    );
  };
  const pump = () => {
    while (!timer && !stopped && queue.length) {
      const item = queue.shift()!;
      if (item.t === "source") sink.source(item.url, item.title);
      else if (item.t === "end") sink.end(item.end);
      else if (item.t === "other") item.emit(sink);
      else {
        const writtenAt = performance.now();
        startedAt ??= writtenAt;
        sink.text(item.s, index++);
        // Wait before whatever follows, except when all that is left is the end.
        const onlyEndLeft = queue.some((q) => q.t === "end") && !queue.some((q) => q.t === "text");
        if (delayMs > 0 && !onlyEndLeft && writtenAt - startedAt < maxMs) wait(writtenAt + delayMs);
      }
    }
  };
  const cut = (final: boolean) => {
    if (chunkSize === undefined) return;
    for (let at = cutAfter(rest, chunkSize); at > 0; at = cutAfter(rest, chunkSize)) {
      queue.push({ t: "text", s: rest.slice(0, at) });
      rest = rest.slice(at);
    }
    if (final && rest) {
      queue.push({ t: "text", s: rest });
      rest = "";
    }
  };

  return {
    failureInStream: sink.failureInStream,
    start: (runId) => sink.start(runId),
    text(delta) {
      if (chunkSize === undefined) queue.push({ t: "text", s: delta });
      else {
        rest += delta;
        cut(false);
      }
      pump();
    },
    source(url, title) {
      queue.push({ t: "source", url, title });
      pump();
    },
    // Tool events keep their place after the text before them.
    toolInputStart(e) {
      cut(true);
      queue.push({ t: "other", emit: (s) => s.toolInputStart(e) });
      pump();
    },
    toolInputDelta(id, delta) {
      queue.push({ t: "other", emit: (s) => s.toolInputDelta(id, delta) });
      pump();
    },
    toolCall(c) {
      queue.push({ t: "other", emit: (s) => s.toolCall(c) });
      pump();
    },
    toolResult(r) {
      queue.push({ t: "other", emit: (s) => s.toolResult(r) });
      pump();
    },
    end(end) {
      cut(true);
      queue.push({ t: "end", end });
      pump();
    },
    response: (headers) => sink.response(headers),
    /** The client went away: nothing more is worth waiting for. */
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
