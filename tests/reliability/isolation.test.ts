import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { revokeApiKey } from "@/lib/auth/api-keys";
import { getEnv, resetEnvForTests } from "@/lib/env";
import { logSink } from "@/lib/logger";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// OWASP API1/API2: another org's objects are always 404; dead credentials always 401; and no
// secret (our keys, stream tokens, the provider key) is ever written to a log, an error body or a
// run record — checked by scanning everything captured.

let a: Awaited<ReturnType<typeof createFixture>>;
let b: Awaited<ReturnType<typeof createFixture>>;
const captured: string[] = [];
const originalWrite = logSink.write;
beforeAll(async () => {
  a = await createFixture({ model: "openai.chat:m" });
  b = await createFixture({ model: "openai.chat:m" });
  process.env.LOG_LEVEL = "debug";
  resetEnvForTests();
  logSink.write = (line) => {
    captured.push(line);
    return true;
  };
});
afterAll(async () => {
  logSink.write = originalWrite;
  delete process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = "error";
  resetEnvForTests();
  (await upstream()).reset();
});

describe("isolation between orgs", () => {
  it("org A's key cannot run or stream org B's workflow (404, as if it did not exist)", async () => {
    const run = await apiRequest(`/api/v1/run/${b.workflowId}`, { method: "POST", key: a.key, json: { story: "x" } });
    expect(run.status).toBe(404);
    expect(await run.json()).toMatchObject({ error: "Workflow not found", code: "workflow_not_found" });
    const stream = await apiRequest(`/api/v1/run/${b.workflowId}/stream`, { method: "POST", key: a.key, json: { story: "x" } });
    expect(stream.status).toBe(404);
    const { token } = await (await apiRequest("/api/v1/token", { key: a.key })).json();
    const viaToken = await apiRequest(`/api/v1/run/${b.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "x" } });
    expect(viaToken.status).toBe(404);
  });

  it("a revoked key is 401 on every endpoint", async () => {
    const r = await createFixture();
    await revokeApiKey({ orgId: r.orgId, keyId: r.keyId });
    for (const res of [
      await apiRequest(`/api/v1/run/${r.workflowId}`, { method: "POST", key: r.key, json: { story: "x" } }),
      await apiRequest(`/api/v1/run/${r.workflowId}/stream`, { method: "POST", key: r.key, json: { story: "x" } }),
      await apiRequest("/api/v1/token", { key: r.key }),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "Unauthorized. Please provide a valid secret key.", success: false });
    }
  });
});

describe("no secret in logs, error bodies or run records", () => {
  it("scans everything a set of successful, failing and hostile requests produced", async () => {
    const fake = await upstream();
    const providerKey = getEnv().OPENAI_API_KEY!;
    const { token } = await (await apiRequest("/api/v1/token", { key: a.key })).json();
    const bodies: string[] = [];
    const keep = async (p: Promise<Response>) => bodies.push(await (await p).text());
    await keep(apiRequest(`/api/v1/run/${a.workflowId}`, { method: "POST", key: a.key, json: { story: "fine" } }));
    await keep(apiRequest(`/api/v1/run/${a.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "fine" } }));
    await keep(apiRequest(`/api/v1/run/${a.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "token reused" } }));
    // An upstream that quotes the credential it was sent in its error (some do).
    fake.set({ fault: "http_401", errorMessage: "Incorrect API key provided: {auth}" });
    await keep(apiRequest(`/api/v1/run/${a.workflowId}`, { method: "POST", key: a.key, json: { story: "upstream refuses" } }));
    fake.set({ fault: "drop_mid_stream", faultAfterTokens: 2 });
    await keep(apiRequest(`/api/v1/run/${a.workflowId}`, { method: "POST", key: a.key, json: { story: "cut" } }));
    fake.reset();
    await keep(apiRequest(`/api/v1/run/${a.workflowId}`, { method: "POST", key: b.key, json: { story: "wrong org" } }));
    await keep(
      apiRequest(`/api/v1/run/${a.workflowId}`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.key}x` },
        json: { story: "bad key" },
      }),
    );
    await keep(apiRequest(`/api/v1/run/wf_%00`, { method: "POST", key: a.key, json: { story: "odd id" } }));

    const rows = await (
      await getDb()
    ).execute(sql`select r.*, l.* from runs r left join credit_ledger l on l.run_id = r.id where r.org_id in (${a.orgId}, ${b.orgId})`);
    const haystacks = { logs: captured.join("\n"), bodies: bodies.join("\n"), records: JSON.stringify(rows) };
    expect(captured.length).toBeGreaterThan(0);
    expect(haystacks.records).toContain("Model call failed (HTTP 401)");
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of [a.key, b.key, token, providerKey]) {
        expect(text.includes(secret), `${secret.slice(0, 8)}… found in ${where}`).toBe(false);
      }
      expect(/sk_[a-z0-9]{32}/.test(text), `an sk_ key in ${where}`).toBe(false);
      expect(/pub_tok_[a-z0-9]{32}/.test(text), `a stream token in ${where}`).toBe(false);
    }
  });
});
