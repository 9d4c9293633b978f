import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { workflows } from "@/db/schema";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { resetEnvForTests } from "@/lib/env";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// The contract's bodies, verbatim (docs/contract.md). We may add fields (code, request_id, run_id), never change these.
const SEED = {
  unauthorized: { error: "Unauthorized. Please provide a valid secret key.", success: false },
  billing: { error: "No credits remaining. Please add credits to continue using the service.", success: false, code: "invalid_billing" },
  notFound: { error: "Workflow not found", success: false, code: "workflow_not_found" },
  rateLimited: { error: "Rate limit exceeded", success: false },
  failed: { error: "Failed to run workflow", success: false, code: "internal_server_error" },
  missing: { success: false, error: "Missing required parameter: story", code: "invalid_request" },
};

const run = (workflowId: string, json: unknown, key?: string, init: RequestInit = {}) =>
  apiRequest(`/api/v1/run/${workflowId}`, { method: "POST", json, key, ...init });

describe("POST /api/v1/run/:id — the seed example", () => {
  it("returns the full output with run_id, usage and credits_charged", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const res = await run(f.workflowId, { story: "a story about a dog named charlie" }, f.key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json();
    expect(body).toMatchObject({ success: true, status: "completed", result: "Write a story about a dog named charlie", citations: [] });
    expect(body.run_id).toMatch(/^run_[a-z0-9]{24}$/);
    // The offline model counts ~4 bytes per token: 39 bytes are 10 in, 10 out.
    expect(body.usage).toEqual({ input_tokens: 10, output_tokens: 10, total_tokens: 20 });
    expect(body.credits_charged).toBe(20);
    for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-request-id"]) {
      expect(res.headers.get(h), h).toBeTruthy();
    }
  });

  it("charges exactly the usage, as one ledger settlement that sums to the balance", async () => {
    const f = await createFixture({ credits: 1000, template: "Say {{ story }} please" });
    const body = await (await run(f.workflowId, { story: "hello" }, f.key)).json();
    const db = await getDb();
    const org = await getOrg(db, f.orgId);
    expect(org!.creditBalance).toBe(1000 - body.credits_charged);
    expect(await sumLedger(db, f.orgId)).toBe(org!.creditBalance);
    const rec = await getRun(db, { orgId: f.orgId, runId: body.run_id });
    expect(rec).toMatchObject({
      status: "completed",
      output: "Say hello please",
      inputTokens: 4,
      outputTokens: 4,
      creditsCharged: 8,
      source: "api",
    });
    expect(rec!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(rec!.finishedAt).toBeInstanceOf(Date);
  });

  it("ignores unknown keys and accepts numbers and booleans", async () => {
    const f = await createFixture({ template: "{{n}} {{flag}}" });
    const body = await (await run(f.workflowId, { n: 42, flag: true, extra: { deep: 1 } }, f.key)).json();
    expect(body.result).toBe("42 true");
  });

  it("runs the published version, not later draft edits", async () => {
    const f = await createFixture({ template: "v1 {{story}}" });
    const db = await getDb();
    await db.update(workflows).set({ template: "v2 draft {{story}}" }).where(eq(workflows.id, f.workflowId));
    const body = await (await run(f.workflowId, { story: "x" }, f.key)).json();
    expect(body.result).toBe("v1 x");
  });
});

describe("POST /api/v1/run/:id — documented errors", () => {
  let f: Awaited<ReturnType<typeof createFixture>>;
  let other: Awaited<ReturnType<typeof createFixture>>;
  let broke: Awaited<ReturnType<typeof createFixture>>;
  let draftId: string;
  let revokedKey: string;
  beforeAll(async () => {
    f = await createFixture();
    other = await createFixture();
    broke = await createFixture({ credits: 0 });
    draftId = (await createWorkflow({ orgId: f.orgId, name: "draft", template: "{{story}}" })).workflow_id;
    const r = await createFixture();
    await revokeApiKey({ orgId: r.orgId, keyId: r.keyId });
    revokedKey = r.key;
  });

  const cases: Array<{
    name: string;
    req: () => Promise<Response>;
    status: number;
    body: Record<string, unknown>;
    code?: string;
    rl: boolean;
  }> = [
    {
      name: "no Authorization header",
      req: () => run(f.workflowId, { story: "x" }),
      status: 401,
      body: SEED.unauthorized,
      code: "unauthorized",
      rl: false,
    },
    { name: "malformed key", req: () => run(f.workflowId, { story: "x" }, "sk_nope"), status: 401, body: SEED.unauthorized, rl: false },
    {
      name: "well-formed unknown key",
      req: () => run(f.workflowId, { story: "x" }, "sk_" + "a".repeat(32)),
      status: 401,
      body: SEED.unauthorized,
      rl: false,
    },
    { name: "revoked key", req: () => run(f.workflowId, { story: "x" }, revokedKey), status: 401, body: SEED.unauthorized, rl: false },
    {
      name: "Basic auth instead of Bearer",
      req: () => run(f.workflowId, { story: "x" }, undefined, { headers: { authorization: "Basic Zm9vOmJhcg==" } }),
      status: 401,
      body: SEED.unauthorized,
      rl: false,
    },
    { name: "unknown workflow", req: () => run("wf_" + "z".repeat(24), { story: "x" }, f.key), status: 404, body: SEED.notFound, rl: true },
    { name: "unpublished workflow", req: () => run(draftId, { story: "x" }, f.key), status: 404, body: SEED.notFound, rl: true },
    { name: "another org's workflow", req: () => run(other.workflowId, { story: "x" }, f.key), status: 404, body: SEED.notFound, rl: true },
    { name: "no credits", req: () => run(broke.workflowId, { story: "x" }, broke.key), status: 402, body: SEED.billing, rl: true },
    { name: "missing variable", req: () => run(f.workflowId, { other: "x" }, f.key), status: 400, body: SEED.missing, rl: true },
    { name: "empty body", req: () => run(f.workflowId, undefined, f.key), status: 400, body: SEED.missing, rl: true },
    {
      name: "body is an array",
      req: () => run(f.workflowId, ["story"], f.key),
      status: 400,
      body: { success: false, code: "invalid_request", error: "Request body must be a JSON object of input variables" },
      rl: true,
    },
    {
      name: "body is not JSON",
      req: () => run(f.workflowId, undefined, f.key, { body: "story=x" }),
      status: 400,
      body: { success: false, code: "invalid_request" },
      rl: true,
    },
    {
      name: "value is an object",
      req: () => run(f.workflowId, { story: { a: 1 } }, f.key),
      status: 400,
      body: {
        success: false,
        code: "invalid_request",
        error: "Invalid parameter: story must be a string, number or boolean, not an object",
      },
      rl: true,
    },
    {
      name: "value is null",
      req: () => run(f.workflowId, { story: null }, f.key),
      status: 400,
      body: { success: false, code: "invalid_request", error: "Invalid parameter: story must be a string, number or boolean, not null" },
      rl: true,
    },
  ];

  it.each(cases)("$name → $status", async ({ req, status, body, code, rl }) => {
    const res = await req();
    expect(res.status).toBe(status);
    const json = await res.json();
    expect(json).toMatchObject(body);
    if (code) expect(json.code).toBe(code);
    expect(json.request_id).toBe(res.headers.get("x-request-id"));
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    // Rate-limit headers appear once the key is known, on errors too.
    expect(res.headers.get("x-ratelimit-limit") !== null).toBe(rl);
    expect(res.headers.get("x-ratelimit-remaining") !== null).toBe(rl);
  });

  it("429 with the seed body and Retry-After in seconds once the key's limit is used", async () => {
    const lim = await createFixture({ rateLimitPerMinute: 2 });
    expect((await run(lim.workflowId, { story: "a" }, lim.key)).status).toBe(200);
    const second = await run(lim.workflowId, { story: "a" }, lim.key);
    expect(second.headers.get("x-ratelimit-remaining")).toBe("0");
    const res = await run(lim.workflowId, { story: "a" }, lim.key);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ ...SEED.rateLimited, code: "rate_limited" });
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(res.headers.get("x-ratelimit-limit")).toBe("2");
  });

  it("the rate limit is decided before the workflow lookup's answer: an exhausted key gets 429, not 404", async () => {
    const lim = await createFixture({ rateLimitPerMinute: 1 });
    expect((await run(lim.workflowId, { story: "a" }, lim.key)).status).toBe(200);
    const res = await run("wf_" + "q".repeat(24), { story: "a" }, lim.key);
    expect(res.status).toBe(429);
    expect((await run(lim.workflowId, { story: "a" }, lim.key)).status).toBe(429);
  });

  it("500 with the seed body when the model fails; the run is recorded failed and charged nothing", async () => {
    const fake = await upstream();
    const g = await createFixture({ credits: 5000, model: "openai.chat:test-model" });
    fake.set({ fault: "http_500" });
    try {
      const res = await run(g.workflowId, { story: "x" }, g.key);
      expect(res.status).toBe(500);
      const body = await res.json();
      // reason names the cause: the upstream's 500 (after the retries, which met the same 500).
      expect(body).toMatchObject({ ...SEED.failed, reason: "server_error" });
      expect(JSON.stringify(body)).not.toContain("test-provider-key");
      const db = await getDb();
      const rec = await getRun(db, { orgId: g.orgId, runId: body.run_id });
      expect(rec).toMatchObject({ status: "failed", errorCode: "upstream_error", creditsCharged: 0 });
      expect((await getOrg(db, g.orgId))!.creditBalance).toBe(5000);
      expect(await sumLedger(db, g.orgId)).toBe(5000);
    } finally {
      fake.reset();
    }
  });

  it("a workflow on an unconfigured provider fails at once with a clear message", async () => {
    const g = await createFixture({ model: "anthropic:claude" });
    const res = await run(g.workflowId, { story: "x" }, g.key);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ ...SEED.failed, reason: "unknown_model", message: 'Unknown model "anthropic:claude".' });
  });
});

describe("the 402 for the org's balance links to the Billing page", () => {
  it("adds billing_url when the server's URL is configured, the seed's fields exactly as they were; not for a key's cap, nor without the URL", async () => {
    const broke = await createFixture({ credits: 0 });
    const refused = async (key = broke.key, wf = broke.workflowId) => {
      const res = await run(wf, { story: "a story about a dog named charlie" }, key);
      expect(res.status).toBe(402);
      return res.json();
    };
    const plain = await refused();
    expect(plain).toEqual({ ...SEED.billing, request_id: plain.request_id });
    process.env.BETTER_AUTH_URL = "https://flowgate.example.com/";
    resetEnvForTests();
    try {
      const linked = await refused();
      expect(linked).toEqual({
        ...SEED.billing,
        request_id: linked.request_id,
        billing_url: "https://flowgate.example.com/dashboard/billing",
      });
      // A key's credit cap refused it: buying credits would not help, so no link.
      const rich = await createFixture({ credits: 1_000_000 });
      const capped = await createApiKey({ orgId: rich.orgId, creditCap: 1, creditCapPeriod: "total" });
      const cap = await refused(capped.key, rich.workflowId);
      expect(cap).toEqual({ ...SEED.billing, reason: "key_credit_cap", request_id: cap.request_id });
    } finally {
      delete process.env.BETTER_AUTH_URL;
      resetEnvForTests();
    }
  });
});
