import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// The real @ai-sdk/openai provider against the wire-accurate fake upstream (tests/support/fake-openai.ts).
describe("POST /api/v1/run/:id through an OpenAI-compatible upstream", () => {
  afterEach(async () => (await upstream()).reset());

  it.each(["openai.chat:llama3.2", "openai.responses:gpt-test"])("%s: result, usage and credits come from the upstream", async (model) => {
    const fake = await upstream();
    fake.set({ text: "Once upon a time there was a dog." });
    const f = await createFixture({ model, system: "You write {{tone}} stories.", template: "Write {{story}}" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "about charlie", tone: "happy" },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.result).toBe("Once upon a time there was a dog.");
    expect(body.usage.output_tokens).toBe(8);
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.credits_charged).toBe(body.usage.total_tokens);
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe(model.startsWith("openai.chat") ? "/v1/chat/completions" : "/v1/responses");
    expect(JSON.stringify(sent.body)).toContain("You write happy stories.");
    expect(JSON.stringify(sent.body)).toContain("Write about charlie");
    const rec = await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id });
    expect(rec).toMatchObject({ status: "completed", model, outputTokens: 8 });
  });

  it("sends the workflow's max output tokens and temperature", async () => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:m", maxOutputTokens: 5, temperature: 0.3 });
    const body = await (await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } })).json();
    expect(body.usage.output_tokens).toBe(5);
    const sent = fake.requests.at(-1)!.body;
    expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(5);
    expect(sent.temperature).toBe(0.3);
  });

  it("returns web search citations from the Responses API", async () => {
    const fake = await upstream();
    fake.set({ text: "Dogs are loyal.", citations: ["https://example.com/dogs", "https://example.org/loyal"] });
    const f = await createFixture({ model: "openai.responses:gpt-test", webSearch: true });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "dogs" } });
    const body = await res.json();
    expect(body.citations).toEqual(["https://example.com/dogs", "https://example.org/loyal"]);
    expect(fake.requests.at(-1)!.path).toBe("/v1/responses");
    expect(JSON.stringify(fake.requests.at(-1)!.body.tools)).toContain("web_search");
  });

  it.each(["http_429", "http_401", "drop_mid_stream", "malformed_sse", "error_event_mid_stream"] as const)(
    "upstream fault %s → seed 500, run failed, only produced tokens charged",
    async (fault) => {
      const fake = await upstream();
      fake.set({ fault, tokens: 20, faultAfterTokens: 5 });
      const f = await createFixture({ model: "openai.chat:m", credits: 10_000 });
      const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
      expect(res.status).toBe(500);
      const body = await res.json();
      expect(body).toMatchObject({ error: "Failed to run workflow", success: false, code: "internal_server_error" });
      const rec = await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id });
      expect(rec!.status).toBe("failed");
      expect(rec!.errorCode).toBe("upstream_error");
      expect(rec!.creditsCharged).toBe(rec!.outputTokens + rec!.inputTokens);
      // Exactly what the upstream produced before the fault (the 5 deltas it sent).
      expect(rec!.outputTokens).toBe(fault.startsWith("http") ? 0 : 5);
    },
  );
});
