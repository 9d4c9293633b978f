import { describe, expect, it, vi } from "vitest";
import { controlledByteStream, PUSH_BODY, type PushHandle, type PushTarget } from "./types";

// A stream body offers itself to be written straight to the response (scripts/direct-routes.mjs)
// only while nothing has read it or been queued in it: from then on every byte goes one way.

const offer = (stream: ReadableStream<Uint8Array>, target: PushTarget) =>
  (stream as unknown as Record<symbol, (t: PushTarget) => PushHandle | null>)[PUSH_BODY]!(target);
const target = () => ({ write: vi.fn(), end: vi.fn(), fail: vi.fn() });
const tick = () => new Promise((r) => setImmediate(r));

describe("a pushed stream body (PUSH_BODY)", () => {
  it("writes what the body holds as it is taken, then takes the writes coalesced as the stream's would be, then the end; the stream itself stays empty and unread", async () => {
    const body = controlledByteStream(() => {});
    body.write("a");
    body.write("b");
    const t = target();
    // The first bytes leave with the head in the same turn, not on the flush already scheduled.
    expect(offer(body.stream, t)).toMatchObject({ wrote: true });
    expect(t.write.mock.calls).toEqual([["ab"]]);
    body.write("c");
    body.write("d");
    await tick();
    body.write("e");
    body.close();
    expect(t.write.mock.calls).toEqual([["ab"], ["cd"], ["e"]]);
    expect(t.end).toHaveBeenCalledOnce();
    expect(body.stream.locked).toBe(false);
  });

  it("fails the target when the body fails, and a cancel after the end reaches no one", async () => {
    const onCancel = vi.fn();
    const body = controlledByteStream(onCancel);
    const t = target();
    const handle = offer(body.stream, t)!;
    expect(handle.wrote).toBe(false);
    body.write("x");
    body.fail(new Error("cut"));
    expect(t.write).toHaveBeenCalledWith("x");
    expect(t.fail).toHaveBeenCalledOnce();
    handle.cancel();
    expect(onCancel).not.toHaveBeenCalled();
  });

  it("reports a cancel (the client went away) once, and writes nothing after it", async () => {
    const onCancel = vi.fn();
    const body = controlledByteStream(onCancel);
    const t = target();
    const handle = offer(body.stream, t)!;
    handle.cancel();
    handle.cancel();
    body.write("late");
    await tick();
    expect(onCancel).toHaveBeenCalledOnce();
    expect(onCancel).toHaveBeenCalledWith(undefined);
    expect(t.write).not.toHaveBeenCalled();
  });

  it("holds what is written before anyone takes the body (SSE's start event): a target still gets it, with the head", async () => {
    const body = controlledByteStream(() => {});
    body.write("event: start\n\n");
    await tick();
    await tick();
    body.write("first token");
    const t = target();
    expect(offer(body.stream, t)).toMatchObject({ wrote: true });
    expect(t.write.mock.calls).toEqual([["event: start\n\nfirst token"]]);
  });

  it("gives what it held to a reader at its first read, and then each write as it is flushed", async () => {
    const body = controlledByteStream(() => {});
    body.write("held");
    await tick();
    const reader = body.stream.getReader();
    const decode = (r: ReadableStreamReadResult<Uint8Array>) => new TextDecoder().decode(r.value);
    expect(decode(await reader.read())).toBe("held");
    const next = reader.read();
    body.write("later");
    expect(decode(await next)).toBe("later");
    body.write("last");
    body.close();
    expect(decode(await reader.read())).toBe("last");
    expect((await reader.read()).done).toBe(true);
  });

  it("is refused once the stream has a reader, bytes queued, an end, or a target already", async () => {
    const read = controlledByteStream(() => {});
    read.stream.getReader();
    expect(offer(read.stream, target())).toBeNull();

    const queued = controlledByteStream(() => {});
    const reader = queued.stream.getReader();
    queued.write("q");
    await tick();
    reader.releaseLock();
    expect(offer(queued.stream, target())).toBeNull();

    const ended = controlledByteStream(() => {});
    ended.close();
    expect(offer(ended.stream, target())).toBeNull();

    const taken = controlledByteStream(() => {});
    expect(offer(taken.stream, target())).not.toBeNull();
    expect(offer(taken.stream, target())).toBeNull();
  });
});
