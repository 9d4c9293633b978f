import { DefaultChatTransport, readUIMessageStream, type UIMessage } from "ai";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

const FULL = Array.from({ length: 40 }, (_, i) => `tok${i} `).join("");

function sse(text: string) {
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => events.push(e) }).feed(text);
  return events;
}

describe("resumable streams", () => {
  it("SSE: disconnect mid-stream, the run goes on, and resuming from Last-Event-ID completes the exact output", async () => {
    const fake = await upstream();
    fake.set({ tokens: 40, tokenDelayMs: 15 });
    const f = await createFixture({ model: "openai.chat:m" });
    const closedBefore = fake.closedEarly;
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=sse&resumable=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: "x" }),
      signal: ctrl.signal,
    });
    const runId = res.headers.get("x-run-id")!;
    const reader = res.body!.getReader();
    let got = "";
    while (sse(got).filter((e) => e.event === "chunk").length < 5) got += new TextDecoder().decode((await reader.read()).value);
    ctrl.abort();
    const before = sse(got).filter((e) => e.event === "chunk");
    const lastId = before.at(-1)!.id!;
    // Resume with a fresh single-use token, as a browser would.
    const { token } = await (await fetch(`${server.url}/api/v1/token`, { headers: { authorization: `Bearer ${f.key}` } })).json();
    const resumed = await fetch(`${server.url}/api/v1/runs/${runId}/stream?token=${token}`, {
      headers: { "last-event-id": lastId, accept: "text/event-stream" },
    });
    expect(resumed.status).toBe(200);
    const after = sse(await resumed.text());
    const text = [...before, ...after.filter((e) => e.event === "chunk")].map((e) => JSON.parse(e.data).content).join("");
    expect(text).toBe(FULL);
    expect(JSON.parse(after.at(-1)!.data)).toMatchObject({ status: "completed" });
    expect(after.filter((e) => e.event === "chunk")[0]!.id).toBe(String(Number(lastId) + 1));
    // The disconnect did not abort the model call.
    expect(fake.closedEarly).toBe(closedBefore);
    // A finished run resumes too: the whole stored output, then done.
    const again = sse(
      await (
        await fetch(`${server.url}/api/v1/runs/${runId}/stream?resume_from_index=0`, {
          headers: { authorization: `Bearer ${f.key}`, accept: "text/event-stream" },
        })
      ).text(),
    );
    expect(
      again
        .filter((e) => e.event === "chunk")
        .map((e) => JSON.parse(e.data).content)
        .join(""),
    ).toBe(FULL);
  });

  it("UI protocol: the AI SDK's reconnectToStream replays from the start", async () => {
    const fake = await upstream();
    fake.set({ tokens: 40, tokenDelayMs: 10 });
    const f = await createFixture({ model: "openai.chat:m", template: "{{q}}" });
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?resumable=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      signal: ctrl.signal,
      body: JSON.stringify({
        id: "c1",
        trigger: "submit-message",
        messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: "hi" }] }],
      }),
    });
    const runId = res.headers.get("x-run-id")!;
    await res.body!.getReader().read();
    ctrl.abort();
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${server.url}/api/v1/run/${f.workflowId}/stream`,
      prepareReconnectToStreamRequest: () => ({
        api: `${server.url}/api/v1/runs/${runId}/stream`,
        headers: { authorization: `Bearer ${f.key}` },
      }),
    });
    const chunks = await transport.reconnectToStream({ chatId: "c1" });
    expect(chunks).not.toBeNull();
    let last: UIMessage | undefined;
    for await (const m of readUIMessageStream<UIMessage>({ stream: chunks! })) last = m;
    expect(
      last!.parts
        .filter((p) => p.type === "text")
        .map((p) => (p as { text: string }).text)
        .join(""),
    ).toBe(FULL);
  });

  it("a run started without opt-in has nothing to resume while it runs (204)", async () => {
    const fake = await upstream();
    fake.set({ tokens: 100, tokenDelayMs: 20 });
    const f = await createFixture({ model: "openai.chat:m" });
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: "x" }),
    });
    const runId = res.headers.get("x-run-id")!;
    const resume = await fetch(`${server.url}/api/v1/runs/${runId}/stream`, { headers: { authorization: `Bearer ${f.key}` } });
    expect(resume.status).toBe(204);
    await res.text();
  });
});
