// What the multi-instance tests need to talk to the balancer: authed requests, an SSE reader that
// can stop part-way, and a bounded poll.
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";

export type Sse = { id?: string; event?: string; data: Record<string, unknown> };

export function client(baseUrl: string) {
  return (path: string, { key, json, ...init }: RequestInit & { key?: string; json?: unknown } = {}) =>
    fetch(`${baseUrl}${path}`, {
      ...init,
      method: init.method ?? (json === undefined ? "GET" : "POST"),
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(json === undefined ? {} : { "content-type": "application/json" }),
        ...(init.headers as Record<string, string>),
      },
      body: json === undefined ? init.body : JSON.stringify(json),
    });
}

/**
 * Reads a response's SSE events into `events` until the stream ends, or `stop(event)` says so
 * (then the connection is dropped). Resolves "end" for a stream that ended, "stopped", or
 * "broken" for a connection that was cut under it (read error).
 */
export async function readSse(
  res: Response,
  events: Sse[],
  stop: (e: Sse) => boolean = () => false,
): Promise<"end" | "stopped" | "broken"> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return "end";
      const e = toSse(value);
      events.push(e);
      if (stop(e)) {
        await reader.cancel().catch(() => {});
        return "stopped";
      }
    }
  } catch {
    return "broken";
  }
}

const toSse = (m: EventSourceMessage): Sse => ({ id: m.id, event: m.event, data: JSON.parse(m.data) as Record<string, unknown> });

export const chunkText = (events: Sse[]) =>
  events
    .filter((e) => e.event === "chunk")
    .map((e) => e.data.content as string)
    .join("");
export const chunkIndexes = (events: Sse[]) => events.filter((e) => e.event === "chunk").map((e) => e.data.index as number);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` until it returns a value other than undefined, at most `timeoutMs`. */
export async function pollUntil<T>(f: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(everyMs);
  }
}
