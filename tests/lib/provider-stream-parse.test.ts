// The event-stream parser of @ai-sdk/provider-utils as patched (patches/, bench/README.md round 6): one
// pull-based stream instead of TextDecoderStream → EventSourceParserStream → a parsing TransformStream,
// and the response handler reading the body itself instead of through a re-wrapping stream. What the
// three stages did, it must still do. And the chunk validation: sync first (the last block).
import { APICallError, type TypeValidationError } from "@ai-sdk/provider";
import {
  createEventSourceResponseHandler,
  parseJsonEventStream,
  safeParseJSON,
  safeValidateTypes,
  zodSchema,
} from "@ai-sdk/provider-utils";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { until } from "../support/until";

const schema = z.object({ n: z.number() });
const bytes = (s: string) => new TextEncoder().encode(s);

/** A body of `chunks`, then closed, failed with `fail`, or (`fail` = "open") left open. */
function source(chunks: Uint8Array[], fail?: Error | "open") {
  let i = 0;
  let cancelled: unknown = "not cancelled";
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else if (fail === "open") return;
      else if (fail) c.error(fail);
      else c.close();
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function readAll<T>(stream: ReadableStream<T>) {
  const out: T[] = [];
  for await (const x of stream) out.push(x);
  return out;
}

describe("parseJsonEventStream (patched)", () => {
  it("parses events split anywhere across chunks, a multi-byte character split between two, and skips [DONE]", async () => {
    const text = 'data: {"n":1}\n\ndata: {"n":2,"s":"é€"}\n\n: a comment\ndata: [DONE]\n\n';
    const all = bytes(text);
    // every split point, one byte at a time included
    for (const size of [1, 2, 3, 7, all.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.slice(i, i + size));
      const parts = await readAll(parseJsonEventStream({ stream: source(chunks).stream, schema }));
      expect(parts.map((p) => p.success && p.value)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(parts.map((p) => p.rawValue)).toEqual([{ n: 1 }, { n: 2, s: "é€" }]);
    }
  });

  it("gives a failed part for bad JSON and for a chunk the schema rejects, and goes on", async () => {
    const parts = await readAll(
      parseJsonEventStream({ stream: source([bytes('data: {"n":\n\ndata: {"n":"x"}\n\ndata: {"n":3}\n\n')]).stream, schema }),
    );
    expect(parts.map((p) => p.success)).toEqual([false, false, true]);
  });

  it("each part is what safeParseJSON gives for its event (valid, bad JSON, rejected, transformed, async), in order", async () => {
    // Parsed without safeParseJSON's promises when validation is synchronous (round 10): same results.
    const events = ['{"n":1,"s":"ab"}', '{"n":', '{"n":"x"}', '{"n":-1,"s":"c"}', '{"n":4,"s":"dddd"}'];
    const shaped = z.object({ n: z.number(), s: z.string().transform((x) => x.length) });
    const slow = z.object({ n: z.number() }).refine(async (v) => v.n > 0, "positive");
    for (const sch of [shaped, slow, zodSchema(shaped), undefined]) {
      const body = bytes(events.map((e) => `data: ${e}\n\n`).join(""));
      const parts = await readAll(parseJsonEventStream({ stream: source([body]).stream, schema: sch as typeof schema }));
      const expected = await Promise.all(events.map((text) => safeParseJSON({ text, schema: sch as typeof schema })));
      const view = (r: (typeof parts)[number]) =>
        r.success
          ? { ok: true, value: r.value, raw: r.rawValue }
          : {
              ok: false,
              error: r.error.name,
              message: r.error.message,
              cause: String((r.error as { cause?: unknown }).cause),
              raw: r.rawValue,
            };
      expect(parts.map(view)).toEqual(expected.map(view));
    }
  });

  it("drops an unterminated last event, as EventSourceParserStream did, and ends", async () => {
    const parts = await readAll(parseJsonEventStream({ stream: source([bytes('data: {"n":1}\n\ndata: {"n":2}')]).stream, schema }));
    expect(parts.map((p) => p.success && p.value)).toEqual([{ n: 1 }]);
  });

  it("fails with the source's error, and a cancel reaches the source", async () => {
    const boom = new Error("socket hang up");
    const failing = parseJsonEventStream({ stream: source([bytes('data: {"n":1}\n\n')], boom).stream, schema });
    await expect(readAll(failing)).rejects.toBe(boom);

    const src = source([bytes('data: {"n":1}\n\n'), bytes('data: {"n":2}\n\n')], "open");
    const reader = parseJsonEventStream({ stream: src.stream, schema }).getReader();
    await reader.read();
    await reader.cancel("client went away");
    // (the three piped stages passed a cancel on a tick later; the patched stream at once)
    expect(
      await until(() => src.cancelled() !== "not cancelled" && src.cancelled(), "the cancel at the source", { ms: 2000, everyMs: 5 }),
    ).toBe("client went away");
  });
});

describe("createEventSourceResponseHandler (patched)", () => {
  const handle = (body: ReadableStream<Uint8Array>) =>
    createEventSourceResponseHandler(schema)({
      url: "http://upstream.test/v1/chat/completions",
      requestBodyValues: {},
      response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    });

  it("streams the parsed chunks", async () => {
    const { value } = await handle(source([bytes('data: {"n":1}\n\n'), bytes('data: {"n":2}\n\ndata: [DONE]\n\n')]).stream);
    expect((await readAll(value)).map((p) => p.success && p.value)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("turns a network error mid-body into an APICallError, as the re-wrapping stream did", async () => {
    const { value } = await handle(source([bytes('data: {"n":1}\n\n')], new TypeError("terminated")).stream);
    const error = await readAll(value).then(
      () => null,
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).message).toBe("Failed to process successful response");
    expect((error as APICallError).url).toBe("http://upstream.test/v1/chat/completions");
  });

  it("passes an abort through unwrapped", async () => {
    const abort = new DOMException("The operation was aborted.", "AbortError");
    const { value } = await handle(source([], abort).stream);
    await expect(readAll(value)).rejects.toBe(abort);
  });
});

// The zod validation each parsed chunk goes through (the same patch): sync first, through zod's own
// Standard Schema validate (zod compiles its fast path for objects only in a synchronous parse),
// then safeParseAsync for an async schema and for a failure's ZodError — the results as before.
describe("zodSchema(...).validate (patched)", () => {
  const check = (s: z.ZodType, value: unknown) => safeValidateTypes({ value, schema: zodSchema(s) });

  it("returns the parsed value, transforms applied, and a ZodError naming the path when it does not match", async () => {
    const s = z.object({ n: z.number(), s: z.string().transform((x) => x.length) });
    expect(await check(s, { n: 1, s: "abc", extra: true })).toMatchObject({ success: true, value: { n: 1, s: 3 } });
    const bad = await check(s, { n: "1", s: "abc" });
    expect(bad.success).toBe(false);
    const cause = (bad as { error: TypeValidationError }).error.cause;
    expect(cause).toBeInstanceOf(z.ZodError);
    expect((cause as z.ZodError).issues[0]!.path).toEqual(["n"]);
  });

  it("an async refinement is still awaited, passing or failing", async () => {
    const s = z.object({ n: z.number() }).refine(async (v) => v.n > 0, "positive");
    expect(await check(s, { n: 2 })).toMatchObject({ success: true, value: { n: 2 } });
    const bad = await check(s, { n: -2 });
    expect(bad.success).toBe(false);
    expect(((bad as { error: TypeValidationError }).error.cause as z.ZodError).issues[0]!.message).toBe("positive");
  });
});
