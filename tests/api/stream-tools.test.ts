import { Chat } from "@ai-sdk/react";
import { callChatApi, type Message, type UIMessage as V4UIMessage } from "@ai-sdk/ui-utils-v1";
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from "ai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";
import { until } from "../support/until";
import { upstream } from "../setup";

// Client tools on the stream URL (issue 31), read by the clients nobody here wrote: AI SDK 7's Chat
// (what useChat runs: onToolCall, addToolOutput, sendAutomaticallyWhen) over the UI message
// stream, AI SDK 4's callChatApi over its data stream, and the SSE protocol's tool_call event.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

async function toolFixture() {
  const fake = await upstream();
  fake.set({ toolScript: [{ name: "get_weather", arguments: { city: "Paris" } }] });
  return createFixture({ model: "openai.chat:m", template: "{{question}}", tools: [weather] as never });
}

describe("AI SDK 7 Chat (useChat's engine) on the UI message stream", () => {
  it("onToolCall → addToolOutput → automatic resubmit → the final text, in one assistant message", async () => {
    const f = await toolFixture();
    const fake = await upstream();
    const seen: Array<{ toolName: string; input: unknown }> = [];
    const chat: Chat<UIMessage> = new Chat<UIMessage>({
      transport: new DefaultChatTransport({
        api: `${server.url}/api/v1/run/${f.workflowId}/stream`,
        headers: { authorization: `Bearer ${f.key}` },
      }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
      onToolCall: ({ toolCall }) => {
        seen.push({ toolName: toolCall.toolName, input: toolCall.input });
        void chat.addToolOutput({ tool: toolCall.toolName, toolCallId: toolCall.toolCallId, output: { sky: "sunny", celsius: 21 } });
      },
    });
    const before = fake.requests.length;
    await chat.sendMessage({ text: "Weather in Paris?" });
    await until(
      () => chat.status === "ready" && fake.requests.length === before + 2 && chat.lastMessage?.parts.some((p) => p.type === "text"),
      "the resubmitted turn's answer",
    );
    expect(seen).toEqual([{ toolName: "get_weather", input: { city: "Paris" } }]);
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    const parts = chat.lastMessage!.parts.filter((p) => p.type !== "step-start");
    expect(parts).toMatchObject([
      { type: "tool-get_weather", state: "output-available", input: { city: "Paris" }, output: { sky: "sunny", celsius: 21 } },
      { type: "text", text: 'Tool results: {"sky":"sunny","celsius":21}' },
    ]);
    // The resubmitted conversation reached the model as the call and its result after the prompt.
    const sent = fake.requests.at(-1)!.body.messages;
    const callId = (parts[0] as { toolCallId: string }).toolCallId;
    expect(sent.slice(-3)).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: callId, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: callId, content: '{"sky":"sunny","celsius":21}' },
    ]);
  });
});

describe("AI SDK 4 callChatApi on the data stream", () => {
  it("9: tool call and finishReason tool-calls; the message with its result sent back (what maxSteps does) gets the answer", async () => {
    const f = await toolFixture();
    const api = `${server.url}/api/v1/run/${f.workflowId}/stream`;
    const user: Message = { id: "u1", role: "user", content: "Weather in Paris?", parts: [{ type: "text", text: "Weather in Paris?" }] };
    const turn = async (messages: Message[]) => {
      let finished: { message: Message; finishReason: string } | undefined;
      const calls: unknown[] = [];
      await callChatApi({
        api,
        streamProtocol: "data",
        credentials: undefined,
        headers: { authorization: `Bearer ${f.key}` },
        abortController: undefined,
        onResponse: undefined,
        onToolCall: async ({ toolCall }) => {
          calls.push(toolCall);
          return "sunny";
        },
        fetch: undefined,
        body: {
          id: "chat-1",
          messages: messages.map(({ role, content, parts, toolInvocations }) => ({ role, content, parts, toolInvocations })),
        },
        restoreMessagesOnFailure: () => {},
        onUpdate: () => {},
        onFinish: (message, { finishReason }) => (finished = { message, finishReason }),
        generateId: () => `gen-${Math.random()}`,
        lastMessage: messages.at(-1) as V4UIMessage,
      });
      return { finished: finished!, calls };
    };
    const first = await turn([user]);
    expect(first.finished.finishReason).toBe("tool-calls");
    expect(first.calls).toMatchObject([{ toolName: "get_weather", args: { city: "Paris" } }]);
    const inv = first.finished.message.toolInvocations!;
    // onToolCall's answer is recorded on the invocation; useChat (maxSteps > 1) sends the messages again.
    expect(inv).toMatchObject([{ state: "result", toolName: "get_weather", args: { city: "Paris" }, result: "sunny" }]);
    const second = await turn([user, first.finished.message]);
    expect(second.finished.finishReason).toBe("stop");
    expect(second.finished.message.content).toBe("Tool results: sunny");
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: first.finished.message.id });
    expect(rec!.toolCalls).toEqual([{ id: inv[0]!.toolCallId, name: "get_weather", arguments: '{"city":"Paris"}' }]);
  });
});

describe("SSE protocol", () => {
  it("a tool_call event per client call, then done with finish_reason tool_calls", async () => {
    const f = await toolFixture();
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, accept: "text/event-stream", "content-type": "application/json" },
      body: JSON.stringify({ question: "Weather in Paris?" }),
    });
    const events = (await res.text())
      .split("\n\n")
      .filter((b) => b.includes("event: "))
      .map((b) => ({ event: /event: (.*)/.exec(b)![1], data: JSON.parse(/data: (.*)/.exec(b)![1]!) }));
    expect(events.map((e) => e.event)).toEqual(["start", "tool_call", "done"]);
    expect(events[1]!.data).toMatchObject({ name: "get_weather", arguments: '{"city":"Paris"}', executed_by: "client" });
    expect(events[2]!.data).toMatchObject({ status: "completed", finish_reason: "tool_calls" });
  });
});
