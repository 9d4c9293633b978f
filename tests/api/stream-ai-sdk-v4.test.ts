import { callChatApi, type Message, type UIMessage } from "@ai-sdk/ui-utils-v1";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { runs } from "@/db/schema";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// AI SDK 4 clients, as the seed's useChat example (`import { useChat } from "ai/react"`) uses them:
// AI SDK 4's own client code (callChatApi, what its useChat calls) against a real HTTP server.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

async function mint(key: string) {
  const res = await fetch(`${server.url}/api/v1/token`, { headers: { authorization: `Bearer ${key}` } });
  return (await res.json()).token as string;
}

type Finished = { message: Message; usage: { promptTokens: number; completionTokens: number }; finishReason: string };

/**
 * One turn as AI SDK 4's useChat sends it (its default body: `{id, messages}` with each message's
 * role, content and parts), read with its default stream protocol unless told otherwise.
 */
async function v4Turn(api: string, history: Message[], text: string, streamProtocol?: "data" | "text") {
  const messages: Message[] = [...history, { id: `u${history.length}`, role: "user", content: text, parts: [{ type: "text", text }] }];
  const updates: Message[] = [];
  let finished: Finished | undefined;
  let error: Error | undefined;
  try {
    await callChatApi({
      api,
      streamProtocol,
      credentials: undefined,
      headers: undefined,
      abortController: undefined,
      onResponse: undefined,
      onToolCall: undefined,
      fetch: undefined,
      body: { id: "chat-1", messages: messages.map(({ role, content, parts }) => ({ role, content, parts })) },
      restoreMessagesOnFailure: () => {},
      onUpdate: ({ message }) => updates.push(message),
      onFinish: (message, { usage, finishReason }) => (finished = { message, usage, finishReason }),
      generateId: () => `gen-${Math.random()}`,
      lastMessage: messages.at(-1) as UIMessage,
    });
  } catch (e) {
    error = e as Error;
  }
  return { messages, updates, finished, error, last: updates.at(-1) };
}

describe("POST /api/v1/run/:id/stream — AI SDK 4 clients (data stream protocol)", () => {
  it("callChatApi with its default protocol: the text, the run id as the message id, usage in its finish parts, run metadata as annotations; two turns", async () => {
    const fake = await upstream();
    fake.set({ echo: true });
    const f = await createFixture({ model: "openai.chat:m", template: "{{question}}" });
    const api = () => mint(f.key).then((t) => `${server.url}/api/v1/run/${f.workflowId}/stream?token=${t}`);

    const first = await v4Turn(await api(), [], "What do dogs like to eat?");
    expect(first.error).toBeUndefined();
    expect(first.finished!.message.content).toBe("What do dogs like to eat?");
    expect(first.finished!.finishReason).toBe("stop");
    const runId = first.finished!.message.id;
    expect(runId).toMatch(/^run_/);
    const run = (await getRun(await getDb(), { orgId: f.orgId, runId }))!;
    expect(run).toMatchObject({ status: "completed", protocol: "data", output: "What do dogs like to eat?" });
    expect(first.finished!.usage).toMatchObject({ promptTokens: run.inputTokens, completionTokens: run.outputTokens });
    const meta = first.finished!.message.annotations!.at(-1) as Record<string, unknown>;
    expect(meta).toMatchObject({
      run_id: runId,
      status: "completed",
      credits_charged: run.creditsCharged,
      usage: { total_tokens: run.totalTokens },
    });
    // The text arrived progressively, as `0:` parts.
    expect(first.updates.length).toBeGreaterThan(2);

    const second = await v4Turn(await api(), [...first.messages, first.finished!.message], "And cats?");
    expect(second.finished!.message.content).toBe("And cats?");
    const sent = JSON.stringify(fake.requests.at(-1)!.body);
    expect(sent).toContain("What do dogs like to eat?");
    expect(sent).toContain("And cats?");
  });

  it("the wire: x-vercel-ai-data-stream v1, f: / 0: / 8: / e: / d: lines", async () => {
    const f = await createFixture({ template: "{{q}}" });
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?token=${await mint(f.key)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "c", messages: [{ role: "user", content: "two words" }] }),
    });
    expect(res.headers.get("x-vercel-ai-data-stream")).toBe("v1");
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const lines = (await res.text()).trimEnd().split("\n");
    const runId = res.headers.get("x-run-id");
    expect(lines[0]).toBe(`f:{"messageId":"${runId}"}`);
    expect(
      lines
        .filter((l) => l.startsWith("0:"))
        .map((l) => JSON.parse(l.slice(2)))
        .join(""),
    ).toBe("two words");
    expect(lines.map((l) => l.slice(0, 2)).filter((c) => c !== "0:")).toEqual(["f:", "8:", "e:", "8:", "d:"]);
  });

  it("an upstream failure reaches the v4 client as its error part: after the first token (partial text kept) and before it", async () => {
    const fake = await upstream();
    fake.set({ fault: "error_event_mid_stream", tokens: 10, faultAfterTokens: 3 });
    const f = await createFixture({ model: "openai.chat:m", template: "{{question}}" });
    const mid = await v4Turn(`${server.url}/api/v1/run/${f.workflowId}/stream?token=${await mint(f.key)}`, [], "hi");
    expect(mid.error?.message).toBe("Failed to run workflow (upstream_error)");
    expect(mid.last!.content).toBe("tok0 tok1 tok2 ");
    expect((mid.last!.annotations!.at(-1) as { status: string }).status).toBe("failed");

    fake.set({ fault: "http_500" });
    const before = await v4Turn(`${server.url}/api/v1/run/${f.workflowId}/stream?token=${await mint(f.key)}`, [], "hi");
    expect(before.error?.message).toBe("Failed to run workflow (upstream_error)");
  });

  it("?protocol=text serves v4's text mode; ?protocol=data forces the data stream for a plain body", async () => {
    const f = await createFixture({ template: "{{q}}" });
    const text = await v4Turn(
      `${server.url}/api/v1/run/${f.workflowId}/stream?protocol=text&token=${await mint(f.key)}`,
      [],
      "plain please",
      "text",
    );
    expect(text.finished!.message.content).toBe("plain please");

    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=data&token=${await mint(f.key)}`, {
      method: "POST",
      body: JSON.stringify({ q: "forced" }),
    });
    expect(res.headers.get("x-vercel-ai-data-stream")).toBe("v1");
    // Text parts (`0:` lines) joined: the offline model streams pieces of up to 4 characters.
    const textParts = (await res.text())
      .split("\n")
      .filter((l) => l.startsWith("0:"))
      .map((l) => JSON.parse(l.slice(2)) as string);
    expect(textParts.join("")).toBe("forced");
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows.map((r) => r.protocol).sort()).toEqual(["data", "text"]);
  });

  it("AI SDK 5+ bodies (parts and a trigger) keep the UI message stream", async () => {
    const f = await createFixture({ template: "{{q}}" });
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?token=${await mint(f.key)}`, {
      method: "POST",
      body: JSON.stringify({
        id: "c",
        trigger: "submit-message",
        messages: [{ id: "m", role: "user", parts: [{ type: "text", text: "v5" }] }],
      }),
    });
    expect(res.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(res.headers.get("x-vercel-ai-data-stream")).toBeNull();
    await res.text();
  });
});
