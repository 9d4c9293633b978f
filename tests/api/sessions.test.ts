import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

afterEach(async () => (await upstream()).reset());

const messagesSent = async () => (await upstream()).requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;

describe("sessions (seed B's session_id)", () => {
  it("runs in one session see the earlier turns, per org; GET /sessions/:id returns them", async () => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:m", template: "Q: {{story}}" });
    const other = await createFixture({ model: "openai.chat:m", template: "Q: {{story}}" });
    fake.set({ text: "first answer" });
    await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "one", session_id: "chat-1" } });
    fake.set({ text: "second answer" });
    const s = await apiRequest(`/api/v1/run/${f.workflowId}/stream?protocol=sse`, {
      method: "POST",
      key: f.key,
      json: { story: "two", session_id: "chat-1" },
    });
    expect(await s.text()).toContain('"session_id":"chat-1"');
    fake.set({ text: "third" });
    await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "three", session_id: "chat-1" } });
    expect((await messagesSent()).map((m) => `${m.role}:${m.content}`)).toEqual([
      "user:Q: one",
      "assistant:first answer",
      "user:Q: two",
      "assistant:second answer",
      "user:Q: three",
    ]);
    // Same session id, another org: nothing carried over.
    await apiRequest(`/api/v1/run/${other.workflowId}`, { method: "POST", key: other.key, json: { story: "x", session_id: "chat-1" } });
    expect((await messagesSent()).map((m) => m.role)).toEqual(["user"]);

    const res = await apiRequest("/api/v1/sessions/chat-1", { key: f.key });
    const body = await res.json();
    expect(body.turns.map((t: { user: string; assistant: string }) => [t.user, t.assistant])).toEqual([
      ["Q: one", "first answer"],
      ["Q: two", "second answer"],
      ["Q: three", "third"],
    ]);
    expect((await apiRequest("/api/v1/sessions/nope", { key: f.key })).status).toBe(404);
    const bad = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "x", session_id: "has spaces" },
    });
    expect(bad.status).toBe(400);
  });

  it("history respects the token budget, dropping the oldest turns first", async () => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:m", template: "{{story}}" });
    for (const word of ["alpha", "beta", "gamma"]) {
      fake.set({ text: `${word} `.repeat(40) });
      await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: word, session_id: "budget" } });
    }
    process.env.SESSION_HISTORY_TOKENS = "120"; // room for about two of those turns
    resetEnvForTests();
    try {
      await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "delta", session_id: "budget" } });
      const users = (await messagesSent()).filter((m) => m.role === "user").map((m) => m.content);
      expect(users).toEqual(["beta", "gamma", "delta"]);
    } finally {
      delete process.env.SESSION_HISTORY_TOKENS;
      resetEnvForTests();
    }
  });
});
