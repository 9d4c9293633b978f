import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { resetEnvForTests } from "@/lib/env";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

const TEXT = "one two three four five six seven eight nine ten";
/** The fake upstream counts one token per word of everything sent: "Say ten words" → 3 input tokens. */
const cost = (p: { input: number; output: number }, inTok: number, outTok: number) =>
  Math.ceil((inTok * p.input + outTok * p.output) / 1_000_000);

async function run(model: string, opts: { credits?: number } = {}) {
  const fake = await upstream();
  fake.set({ text: TEXT });
  const f = await createFixture({ model, template: "Say {{story}}", credits: opts.credits });
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "ten words" } });
  return { f, res, body: await res.json(), sent: fake.requests.at(-1)! };
}

describe("prices follow the model called (issue 14.5)", () => {
  afterEach(async () => (await upstream()).reset());

  it("openai:gpt-4.1-mini and openai.chat:gpt-4.1-mini send the same model and cost the same: the seeded price", async () => {
    // The fake upstream is not api.openai.com, so openai: goes to chat completions as well.
    const plain = await run("openai:gpt-4.1-mini");
    const forced = await run("openai.chat:gpt-4.1-mini");
    expect(plain.sent.path).toBe(forced.sent.path);
    expect(plain.sent.body.model).toBe(forced.sent.body.model);
    expect(forced.body.usage).toEqual(plain.body.usage);
    expect(plain.body.usage).toMatchObject({ input_tokens: 3, output_tokens: 10 });
    expect(forced.body.credits_charged).toBe(plain.body.credits_charged);
    expect(plain.body.credits_charged).toBe(cost({ input: 40_000, output: 160_000 }, 3, 10));
    const responses = await run("openai.responses:gpt-4.1-mini");
    expect(responses.sent.body.model).toBe("gpt-4.1-mini");
    expect(responses.body.credits_charged).toBe(plain.body.credits_charged);
    await expectLedgerEqualsBalance(plain.f.orgId);
  });
});

describe("the priced catalogue", () => {
  afterEach(async () => {
    delete process.env.UNPRICED_MODELS;
    resetEnvForTests();
    (await upstream()).reset();
  });

  it("model price sets a price by the model called; model list shows it", async () => {
    const set = await runAdminCommand([
      "model",
      "price",
      "--model",
      "openai.chat:catalogue-a",
      "--input",
      "2000000",
      "--output",
      "3000000",
    ]);
    expect(set).toMatchObject({ model: "openai:catalogue-a", input_per_m: 2_000_000, output_per_m: 3_000_000 });
    const list = await runAdminCommand(["model", "list"]);
    expect(list.unit).toBe("credits per 1M tokens");
    expect(list.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ model: "openai:catalogue-a", input_per_m: 2_000_000, output_per_m: 3_000_000 }),
        expect.objectContaining({ model: "openai:gpt-4o-mini", input_per_m: 15_000, output_per_m: 60_000 }),
      ]),
    );
    const r = await run("openai:catalogue-a");
    expect(r.body.credits_charged).toBe(3 * 2 + 10 * 3);
    await expectLedgerEqualsBalance(r.f.orgId);
  });

  it.each([
    [["--model", "nocolon", "--input", "1", "--output", "1"], /--model must be <provider>:<model>/],
    [["--model", "openai:x", "--input=-1", "--output", "1"], /--input must be/],
    [["--model", "openai:x", "--input", "1.5", "--output", "1"], /--input must be an integer/],
    [["--model", "openai:x", "--input", "1"], /--output is required/],
  ])("model price %j is refused", async (args, message) => {
    await expect(runAdminCommand(["model", "price", ...args])).rejects.toThrow(message);
  });

  it("a price change never changes a finished run, and a running run settles at the price it reserved with", async () => {
    await runAdminCommand(["model", "price", "--model", "openai:catalogue-b", "--input", "1000000", "--output", "1000000"]);
    const first = await run("openai:catalogue-b");
    expect(first.body.credits_charged).toBe(13);

    // A slow run: the price changes while it streams.
    const fake = await upstream();
    fake.set({ text: TEXT, tokenDelayMs: 40 });
    const f = await createFixture({ model: "openai:catalogue-b", template: "Say {{story}}" });
    const before = fake.requests.length;
    const pending = apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "ten words" } });
    while (fake.requests.length === before) await new Promise((r) => setTimeout(r, 10));
    await runAdminCommand(["model", "price", "--model", "openai:catalogue-b", "--input", "5000000", "--output", "5000000"]);
    const slow = await (await pending).json();
    expect(slow.credits_charged).toBe(13);

    const db = await getDb();
    const rec = await getRun(db, { orgId: first.f.orgId, runId: first.body.run_id });
    expect(rec).toMatchObject({ creditsCharged: 13, prices: { "openai:catalogue-b": { input: 1_000_000, output: 1_000_000 } } });
    const shown = await (await apiRequest(`/api/v1/runs/${first.body.run_id}`, { key: first.f.key })).json();
    expect(shown.credits_charged).toBe(13);
    // Runs that reserve after the change pay the new price.
    const after = await run("openai:catalogue-b");
    expect(after.body.credits_charged).toBe(65);
    for (const o of [first.f.orgId, f.orgId, after.f.orgId]) await expectLedgerEqualsBalance(o);
  });

  it("an unpriced model costs the default price, or is refused with UNPRICED_MODELS=refuse (nothing reserved)", async () => {
    const dflt = await run("openai:unpriced-model-x");
    expect(dflt.body.credits_charged).toBe(13);

    process.env.UNPRICED_MODELS = "refuse";
    resetEnvForTests();
    const refused = await run("openai:unpriced-model-y", { credits: 500 });
    expect(refused.res.status).toBe(500);
    expect(refused.body).toMatchObject({ success: false, code: "internal_server_error", reason: "model_not_priced" });
    expect(refused.body.message).toContain("openai:unpriced-model-y has no price");
    expect(refused.body.message).toContain("npm run admin -- model price --model openai:unpriced-model-y");
    const db = await getDb();
    expect((await getOrg(db, refused.f.orgId))!.creditBalance).toBe(500);
    await expectLedgerEqualsBalance(refused.f.orgId);
    // Priced: it runs.
    await runAdminCommand(["model", "price", "--model", "openai:unpriced-model-y", "--input", "0", "--output", "100000"]);
    const ok = await apiRequest(`/api/v1/run/${refused.f.workflowId}`, {
      method: "POST",
      key: refused.f.key,
      json: { story: "ten words" },
    });
    expect((await ok.json()).credits_charged).toBe(1);
    await expectLedgerEqualsBalance(refused.f.orgId);
  });

  it("a short balance buys as many output tokens as a fractional price allows", async () => {
    // 0.5 credits per output token, 0 per input: 3 credits buy 6 tokens (cut at max output).
    await runAdminCommand(["model", "price", "--model", "openai:catalogue-c", "--input", "0", "--output", "500000"]);
    const r = await run("openai:catalogue-c", { credits: 3 });
    expect(r.res.status).toBe(200);
    expect(r.body.usage.output_tokens).toBe(6);
    expect(r.body.credits_charged).toBe(3);
    await expectLedgerEqualsBalance(r.f.orgId);
  });
});
