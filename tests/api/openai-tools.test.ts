import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { serializeRun } from "@/lib/runs/get-run";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { openaiClient } from "../support/openai-compat";
import { upstream } from "../setup";

// Client tools on the OpenAI-compatible surface (issue 31), through the official `openai` SDK: the
// model's call comes back as tool_calls / function_call items (streamed the way OpenAI streams
// them, which the SDK's own accumulators rebuild), and the caller's next request — the assistant
// message and its results — continues the conversation as a new run.

afterEach(async () => (await upstream()).reset());

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const ARGS = { city: "Paris", note: "a longer argument, so that it streams in several pieces" };

async function toolFixture(model: string, tools: unknown[] = [weather]) {
  const fake = await upstream();
  fake.set({
    toolScript: [
      { name: "get_weather", arguments: ARGS },
      { name: "get_time", arguments: { tz: "CET" } },
    ],
  });
  return createFixture({ model, template: "{{question}}", tools: tools as never });
}

/** What the upstream was last sent. */
const lastSent = async () => (await upstream()).requests.at(-1)!.body;

describe.each([false, true])("chat.completions with tools (stream: %s)", (stream) => {
  it("answers the workflow's client tool call with finish_reason tool_calls, records it on the run, and continues with the tool result", async () => {
    const f = await toolFixture("openai.chat:m");
    const c = openaiClient(f.key);
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const first = stream
      ? await c.chat.completions.stream({ model: f.workflowId, messages }).finalChatCompletion()
      : await c.chat.completions.create({ model: f.workflowId, messages });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content ?? null).toBeNull();
    const calls = choice.message.tool_calls!;
    expect(calls).toHaveLength(1);
    const call = calls[0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(ARGS);
    // The model was offered the workflow's tool.
    expect((await lastSent()).tools).toEqual([
      { type: "function", function: { name: "get_weather", description: "The weather in a city", parameters: weather.parameters } },
    ]);
    // The run record keeps the calls it ended with.
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: first.id });
    expect(rec!.status).toBe("completed");
    expect(serializeRun(rec!)).toMatchObject({
      finish_reason: "tool_calls",
      tool_calls: [{ id: call.id, name: "get_weather", arguments: call.function.arguments }],
    });

    // The caller runs the tool and sends the assistant message and the result back: a new run.
    messages.push(choice.message as OpenAI.ChatCompletionAssistantMessageParam, {
      role: "tool",
      tool_call_id: call.id,
      content: "sunny, 21C",
    });
    const second = stream
      ? await c.chat.completions.stream({ model: f.workflowId, messages }).finalChatCompletion()
      : await c.chat.completions.create({ model: f.workflowId, messages });
    expect(second.id).not.toBe(first.id);
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.content).toBe("Tool results: sunny, 21C");
    const sent = await lastSent();
    expect(sent.messages.slice(-2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: call.id, type: "function", function: { name: "get_weather", arguments: JSON.stringify(ARGS) } }],
      },
      { role: "tool", tool_call_id: call.id, content: "sunny, 21C" },
    ]);
    const rec2 = await getRun(await getDb(), { orgId: f.orgId, runId: second.id });
    expect(serializeRun(rec2!)).toMatchObject({ finish_reason: null, tool_calls: [] });
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("merges the caller's tools with the workflow's: both are offered, parallel calls come back in order, tool_choice passes", async () => {
    const f = await toolFixture("openai.chat:m");
    const getTime = { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: {} } } };
    const body = {
      model: f.workflowId,
      messages: [{ role: "user" as const, content: "Weather and time?" }],
      tools: [getTime],
      tool_choice: "required" as const,
      parallel_tool_calls: true,
    };
    const r = stream
      ? await openaiClient(f.key).chat.completions.stream(body).finalChatCompletion()
      : await openaiClient(f.key).chat.completions.create(body);
    const calls = r.choices[0]!.message.tool_calls! as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.function.name)).toEqual(["get_weather", "get_time"]);
    expect(JSON.parse(calls[1]!.function.arguments)).toEqual({ tz: "CET" });
    const sent = await lastSent();
    expect(sent.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(["get_weather", "get_time"]);
    expect(sent.tool_choice).toBe("required");
    expect(sent.parallel_tool_calls).toBe(true);
  });
});

describe.each([false, true])("responses with tools (stream: %s)", (stream) => {
  it("answers function_call items and continues with function_call_output", async () => {
    const f = await toolFixture("openai.responses:m");
    const c = openaiClient(f.key);
    const first = stream
      ? await c.responses.stream({ prompt: { id: f.workflowId }, input: "Weather in Paris?" }).finalResponse()
      : await c.responses.create({ prompt: { id: f.workflowId }, input: "Weather in Paris?" });
    expect(first.status).toBe("completed");
    const calls = (first.output as OpenAI.Responses.ResponseOutputItem[]).filter(
      (o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === "function_call",
    );
    expect(calls).toHaveLength(1);
    expect(first.output).toHaveLength(1); // no empty message beside the call
    const call = calls[0]!;
    expect(call).toMatchObject({ name: "get_weather", status: "completed" });
    expect(JSON.parse(call.arguments)).toEqual(ARGS);
    expect((await lastSent()).tools).toEqual([
      expect.objectContaining({ type: "function", name: "get_weather", parameters: weather.parameters }),
    ]);

    const second = stream
      ? await c.responses
          .stream({
            prompt: { id: f.workflowId },
            input: [
              { role: "user", content: "Weather in Paris?" },
              call,
              { type: "function_call_output", call_id: call.call_id, output: "rainy, 12C" },
            ],
          })
          .finalResponse()
      : await c.responses.create({
          prompt: { id: f.workflowId },
          input: [
            { role: "user", content: "Weather in Paris?" },
            call,
            { type: "function_call_output", call_id: call.call_id, output: "rainy, 12C" },
          ],
        });
    expect(second.output_text).toBe("Tool results: rainy, 12C");
    const sent = await lastSent();
    expect(sent.input.slice(-2)).toEqual([
      expect.objectContaining({ type: "function_call", call_id: call.call_id, name: "get_weather", arguments: JSON.stringify(ARGS) }),
      { type: "function_call_output", call_id: call.call_id, output: "rainy, 12C" },
    ]);
  });
});

describe("bounds and mistakes: a 400 in OpenAI's error shape, nothing sent upstream", () => {
  // `param`: null for what the body's schema refuses (its message names the field).
  const expect400 = async (p: Promise<unknown>, param: string | null, message: RegExp) => {
    const fake = await upstream();
    const before = fake.requests.length;
    const e = (await p.catch((x: unknown) => x)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe(param);
    expect(e.message).toMatch(message);
    expect(fake.requests.length).toBe(before);
  };
  const chatTool = (name: string) => ({ type: "function" as const, function: { name, parameters: { type: "object" } } });

  it("too many caller tools, a caller tool named like the workflow's, a tool_choice naming no offered tool", async () => {
    const f = await toolFixture("openai.chat:m");
    const c = openaiClient(f.key);
    const messages = [{ role: "user" as const, content: "hi" }];
    const many = Array.from({ length: 33 }, (_, i) => chatTool(`t${i}`));
    await expect400(c.chat.completions.create({ model: f.workflowId, messages, tools: many }), null, /tools.*at most 32 tools/);
    await expect400(
      c.chat.completions.create({ model: f.workflowId, messages, tools: [chatTool("get_weather")] }),
      "tools[0]",
      /workflow's own tool/,
    );
    await expect400(
      c.chat.completions.create({ model: f.workflowId, messages, tool_choice: { type: "function", function: { name: "nope" } } }),
      "tool_choice",
      /not an offered tool/,
    );
    await expect400(
      c.responses.create({
        prompt: { id: f.workflowId },
        input: "hi",
        tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: null }],
      }),
      "tools[0]",
      /workflow's own tool/,
    );
  });

  it("a tool result for an unknown tool_call_id, a call left unanswered, oversized arguments and results", async () => {
    const f = await toolFixture("openai.chat:m");
    const c = openaiClient(f.key);
    const assistant = {
      role: "assistant" as const,
      content: null,
      tool_calls: [{ id: "call_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Rome"}' } }],
    };
    const user = { role: "user" as const, content: "Weather?" };
    await expect400(
      c.chat.completions.create({
        model: f.workflowId,
        messages: [user, assistant, { role: "tool", tool_call_id: "call_2", content: "x" }],
      }),
      "messages[2]",
      /answers tool call call_2, which no earlier assistant message made/,
    );
    await expect400(
      c.chat.completions.create({ model: f.workflowId, messages: [user, assistant] }),
      "messages[1]",
      /no tool message answers/,
    );
    await expect400(
      c.chat.completions.create({
        model: f.workflowId,
        messages: [user, assistant, { role: "tool", tool_call_id: "call_1", content: "x".repeat(100_001) }],
      }),
      "messages[2]",
      /more than 100000 characters/,
    );
    const huge = {
      ...assistant,
      tool_calls: [{ ...assistant.tool_calls[0]!, function: { name: "get_weather", arguments: "x".repeat(100_001) } }],
    };
    const e = (await c.chat.completions.create({ model: f.workflowId, messages: [user, huge] }).catch((x: unknown) => x)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.message).toMatch(/at most 100000 characters/);
    await expect400(
      c.responses.create({
        prompt: { id: f.workflowId },
        input: [user, { type: "function_call_output", call_id: "call_9", output: "x" }],
      }),
      "input[1]",
      /answers tool call call_9/,
    );
  });
});
