import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getEnv, resetEnvForTests } from "@/lib/env";
import { createFixture } from "../support/fixtures";
import { startFakeOpenAI, type FakeOpenAI } from "../support/openai-upstream";
import { apiRequest } from "../support/routes";

// Named providers from FLOWGATE_PROVIDERS: each its own @ai-sdk/openai instance, its own base URL and key.
describe("FLOWGATE_PROVIDERS", () => {
  let local: FakeOpenAI;
  let hosted: FakeOpenAI;
  beforeAll(async () => {
    local = await startFakeOpenAI({ text: "from local" });
    hosted = await startFakeOpenAI({ text: "from hosted" });
    process.env.FLOWGATE_PROVIDERS = JSON.stringify({
      local: { base_url: local.url },
      hosted: { base_url: hosted.url, api_key: "hosted-secret-key-123", api: "responses" },
    });
    resetEnvForTests();
  });
  afterAll(async () => {
    delete process.env.FLOWGATE_PROVIDERS;
    resetEnvForTests();
    await Promise.all([local.close(), hosted.close()]);
  });

  it("a <provider>:<model> workflow goes to that provider, with its key and wire API", async () => {
    const a = await createFixture({ model: "local:llama3.2" });
    const ra = await apiRequest(`/api/v1/run/${a.workflowId}`, { method: "POST", key: a.key, json: { story: "x" } });
    expect(await ra.json()).toMatchObject({ success: true, result: "from local" });
    expect(local.requests.at(-1)).toMatchObject({ path: "/v1/chat/completions", body: { model: "llama3.2" } });
    expect(local.requests.at(-1)!.headers.authorization).toBe("Bearer not-needed");

    const b = await createFixture({ model: "hosted:big-model" });
    const rb = await apiRequest(`/api/v1/run/${b.workflowId}`, { method: "POST", key: b.key, json: { story: "x" } });
    expect(await rb.json()).toMatchObject({ success: true, result: "from hosted" });
    expect(hosted.requests.at(-1)).toMatchObject({ path: "/v1/responses", body: { model: "big-model" } });
    expect(hosted.requests.at(-1)!.headers.authorization).toBe("Bearer hosted-secret-key-123");
  });

  it("an unknown provider is the documented 500 naming the model", async () => {
    const f = await createFixture({ model: "nowhere:m" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ success: false, reason: "unknown_model" });
  });

  it("GET /api/health lists the providers as configured, never a key or credentials", async () => {
    const res = await apiRequest("/api/health");
    const text = await res.text();
    expect(text).not.toContain("hosted-secret-key-123");
    const body = JSON.parse(text);
    expect(body.providers).toEqual(
      expect.arrayContaining([
        {
          name: "openai",
          base_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/),
          api: "chat",
          key_configured: true,
          circuit_open: false,
        },
        { name: "local", base_url: local.url, api: "chat", key_configured: false, circuit_open: false },
        { name: "hosted", base_url: hosted.url, api: "responses", key_configured: true, circuit_open: false },
      ]),
    );
  });
});

// The configuration check boot() makes first (lib/boot.ts): getEnv() names the problem.
// tests/api/providers-boot.test.ts starts a real process to see that it stops the server.
describe("a bad FLOWGATE_PROVIDERS is refused with the problem named", () => {
  const parse = (value: string) => {
    process.env.FLOWGATE_PROVIDERS = value;
    resetEnvForTests();
    try {
      return getEnv();
    } finally {
      delete process.env.FLOWGATE_PROVIDERS;
      resetEnvForTests();
    }
  };

  it.each([
    ["bad JSON", "{groq:", /FLOWGATE_PROVIDERS: not valid JSON/],
    [
      "an unknown field",
      '{"groq":{"base_url":"https://api.groq.com/openai/v1","apikey":"k"}}',
      /FLOWGATE_PROVIDERS\.groq: Unrecognized key: "apikey"/,
    ],
    ["a wrong api", '{"groq":{"base_url":"https://api.groq.com/openai/v1","api":"completions"}}', /FLOWGATE_PROVIDERS\.groq\.api/],
    ["a reserved name", '{"openai":{"base_url":"https://example.com/v1"}}', /FLOWGATE_PROVIDERS\.openai: .*reserved/],
    ["not an object", "[]", /FLOWGATE_PROVIDERS: must be a JSON object of providers/],
  ])("%s", (_name, value, message) => {
    expect(() => parse(value)).toThrow(message);
  });

  it("a valid one parses", () => {
    expect(parse('{"groq":{"base_url":"https://api.groq.com/openai/v1","api_key":"k"}}').FLOWGATE_PROVIDERS).toMatchObject({
      groq: { base_url: "https://api.groq.com/openai/v1", api_key: "k" },
    });
  });
});
