import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { createFixture } from "../support/fixtures";
import { openaiClient } from "../support/openai-compat";
import { upstream } from "../setup";

// Server tools are invisible on the OpenAI-compatible surface (issue 31): a workflow whose model
// calls its http tool answers the caller with the text after the tool step — no tool_calls, no
// function_call items, nothing naming the tool — through the official `openai` SDK, streamed and not.

let receiver: { url: string; hits: number; close: () => void };
beforeAll(async () => {
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.hits++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ order: "A1", status: "shipped" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`,
    get hits() {
      return state.hits;
    },
    close: () => server.close(),
  };
  process.env.TOOLS_ALLOW_PRIVATE = "1";
  resetEnvForTests();
});
afterAll(() => {
  delete process.env.TOOLS_ALLOW_PRIVATE;
  resetEnvForTests();
  receiver.close();
});
afterEach(async () => (await upstream()).reset());

async function fixture() {
  (await upstream()).set({ toolScript: [{ name: "lookup_order", arguments: { id: "A1" } }] });
  return createFixture({
    model: "openai.chat:m",
    template: "{{question}}",
    maxSteps: 3,
    tools: [
      {
        type: "http",
        name: "lookup_order",
        description: "An order by id",
        parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
        url: receiver.url,
      },
    ],
  });
}

describe("server tools on the OpenAI-compatible surface", () => {
  it.each([false, true])("chat.completions (stream: %s) answers the text after the tool step, and never shows the tool", async (stream) => {
    const f = await fixture();
    const before = receiver.hits;
    const c = openaiClient(f.key);
    const messages = [{ role: "user" as const, content: "Where is order A1?" }];
    const answer = stream
      ? await c.chat.completions.stream({ model: f.workflowId, messages }).finalChatCompletion()
      : await c.chat.completions.create({ model: f.workflowId, messages });
    expect(receiver.hits).toBe(before + 1);
    const choice = answer.choices[0]!;
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.tool_calls ?? []).toEqual([]);
    expect(choice.message.content).toContain("shipped");
    expect(JSON.stringify(answer)).not.toContain("lookup_order");
  });

  it.each([false, true])("responses (stream: %s) has no function_call item for a server tool", async (stream) => {
    const f = await fixture();
    const c = openaiClient(f.key);
    const answer = stream
      ? await c.responses.stream({ model: f.workflowId, input: "Where is order A1?" }).finalResponse()
      : await c.responses.create({ model: f.workflowId, input: "Where is order A1?" });
    expect(answer.output.map((o) => o.type)).toEqual(["message"]);
    expect(answer.output_text).toContain("shipped");
    expect(JSON.stringify(answer)).not.toContain("lookup_order");
  });
});
