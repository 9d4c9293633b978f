import { afterEach, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Issue 14.5: the price is a property of the model actually called, not of how its id is spelled.
describe("prices follow the model called", () => {
  afterEach(async () => (await upstream()).reset());

  async function run(model: string) {
    const fake = await upstream();
    fake.set({ text: "one two three four five six seven eight nine ten" });
    const f = await createFixture({ model, template: "Say {{story}}" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "ten words" } });
    expect(res.status).toBe(200);
    return { body: await res.json(), sent: fake.requests.at(-1)! };
  }

  it("openai:gpt-4.1-mini and openai.chat:gpt-4.1-mini send the same model and cost the same", async () => {
    // The fake upstream is not api.openai.com, so openai: goes to chat completions as well.
    const plain = await run("openai:gpt-4.1-mini");
    const forced = await run("openai.chat:gpt-4.1-mini");
    expect(plain.sent.path).toBe(forced.sent.path);
    expect(plain.sent.body.model).toBe(forced.sent.body.model);
    expect(forced.body.usage).toEqual(plain.body.usage);
    expect(forced.body.credits_charged).toBe(plain.body.credits_charged);
    const responses = await run("openai.responses:gpt-4.1-mini");
    expect(responses.sent.body.model).toBe("gpt-4.1-mini");
    expect(responses.body.credits_charged).toBe(plain.body.credits_charged);
  });
});
