import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { workflows } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { apiDocument } from "@/lib/api/openapi/document";
import { createApiKey } from "@/lib/auth/api-keys";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// end_user_rate_limit_per_minute on a key or a workflow: token traffic attributed to an end user
// (a stream token's user, a run body's `user`) is limited per end user, on the same limiter and
// with the same 429 and headers as the key's own limit. Other end users, and requests with none,
// are not held up.
const RATE_LIMITED = { error: "Rate limit exceeded", success: false, code: "rate_limited" };

const run = (wf: string, key: string, user?: string) =>
  apiRequest(`/api/v1/run/${wf}`, { method: "POST", key, json: { story: "x", ...(user ? { user } : {}) } });
const mint = async (key: string, user: string) =>
  (await (await apiRequest(`/api/v1/token?ttl=60&user=${user}`, { key })).json()).token as string;
const stream = (wf: string, token: string) =>
  apiRequest(`/api/v1/run/${wf}/stream?token=${token}`, { method: "POST", json: { story: "x" } });

describe("per-end-user rate limits", () => {
  it("a key's limit: the end user's third request in a minute is a 429 with the limit's headers; others are not held up", async () => {
    const f = await createFixture();
    const key = await createApiKey({ orgId: f.orgId, endUserRateLimitPerMinute: 2 });
    expect((await run(f.workflowId, key.key, "ann")).status).toBe(200);
    // A stream token minted for the same end user counts against the same limit.
    expect((await stream(f.workflowId, await mint(key.key, "ann"))).status).toBe(200);
    const third = await run(f.workflowId, key.key, "ann");
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject(RATE_LIMITED);
    expect(third.headers.get("x-ratelimit-limit")).toBe("2");
    expect(third.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await stream(f.workflowId, await mint(key.key, "ann"))).status).toBe(429);
    // Another end user, and a request with none, go on.
    expect((await run(f.workflowId, key.key, "ben")).status).toBe(200);
    expect((await run(f.workflowId, key.key)).status).toBe(200);
    expect((await run(f.workflowId, key.key)).status).toBe(200);
  });

  it("a workflow's limit applies to every key's traffic for that end user (admin CLI)", async () => {
    const f = await createFixture();
    const other = await createApiKey({ orgId: f.orgId });
    expect(
      await runAdminCommand(["workflow", "end-user-rate-limit", "--org", f.orgId, "--workflow", f.workflowId, "--limit", "1"]),
    ).toEqual({ workflow_id: f.workflowId, end_user_rate_limit_per_minute: 1 });
    expect((await run(f.workflowId, f.key, "cat")).status).toBe(200);
    const second = await run(f.workflowId, other.key, "cat");
    expect(second.status).toBe(429);
    expect(second.headers.get("x-ratelimit-limit")).toBe("1");
    expect((await run(f.workflowId, other.key, "dog")).status).toBe(200);
    await runAdminCommand(["workflow", "end-user-rate-limit", "--org", f.orgId, "--workflow", f.workflowId, "--limit", "none"]);
    expect((await run(f.workflowId, other.key, "cat")).status).toBe(200);
  });

  it("the OpenAI-compatible surface counts the body's user (or safety_identifier) too, answering OpenAI's 429", async () => {
    const f = await createFixture({ template: "{{story}}" });
    const key = await createApiKey({ orgId: f.orgId, endUserRateLimitPerMinute: 1 });
    const chat = (user: string) =>
      apiRequest("/api/v1/openai/chat/completions", {
        method: "POST",
        key: key.key,
        json: { model: f.workflowId, messages: [{ role: "user", content: "hi" }], safety_identifier: user },
      });
    expect((await chat("gus")).status).toBe(200);
    const second = await chat("gus");
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { type: "requests", code: "rate_limit_exceeded" } });
    expect((await chat("hal")).status).toBe(200);
  });
});

describe("a workflow's end-user rate limit through the management API", () => {
  const call = async (method: string, path: string, key: string, json?: unknown) => {
    const res = await apiRequest(path, { method, key, json });
    return { status: res.status, body: await res.json() };
  };

  it("PATCH sets and removes it (at once, without publishing; the draft untouched); POST creates with it; bad values are 400s", async () => {
    const f = await createFixture();
    const ci = await createApiKey({ orgId: f.orgId, name: "ci", scopes: ["admin"] });
    const path = `/api/v1/workflows/${f.workflowId}`;
    const [before] = await (await getDb()).select().from(workflows).where(eq(workflows.id, f.workflowId));

    const set = await call("PATCH", path, ci.key, { end_user_rate_limit_per_minute: 1 });
    expect(set).toEqual({
      status: 200,
      body: { success: true, workflow_id: f.workflowId, updated_at: before!.updatedAt.toISOString(), end_user_rate_limit_per_minute: 1 },
    });
    expect((await run(f.workflowId, f.key, "eve")).status).toBe(200);
    expect((await run(f.workflowId, f.key, "eve")).status).toBe(429);
    expect((await run(f.workflowId, f.key, "fay")).status).toBe(200);
    const audit = await listAuditEntries(await getDb(), { orgId: f.orgId });
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "workflow.update",
        targetId: f.workflowId,
        actorId: ci.id,
        details: { end_user_rate_limit_per_minute: 1 },
      }),
    );

    // With draft content in the same request: both saved; null removes the limit.
    const both = await call("PATCH", path, ci.key, { max_output_tokens: 64, end_user_rate_limit_per_minute: null });
    expect(both).toMatchObject({ status: 200, body: { success: true, end_user_rate_limit_per_minute: null } });
    const [after] = await (await getDb()).select().from(workflows).where(eq(workflows.id, f.workflowId));
    expect(after).toMatchObject({ maxOutputTokens: 64, endUserRateLimitPerMinute: null });
    expect((await run(f.workflowId, f.key, "eve")).status).toBe(200);

    for (const bad of [0, -1, 1.5, 100_001, "10", true])
      expect(await call("PATCH", path, ci.key, { end_user_rate_limit_per_minute: bad })).toMatchObject({
        status: 400,
        body: { success: false, code: "invalid_request" },
      });
    // A bad limit next to good content saves neither.
    expect((await call("PATCH", path, ci.key, { max_output_tokens: 99, end_user_rate_limit_per_minute: 0 })).status).toBe(400);
    const [unchanged] = await (await getDb()).select().from(workflows).where(eq(workflows.id, f.workflowId));
    expect(unchanged).toMatchObject({ maxOutputTokens: 64, endUserRateLimitPerMinute: null });
    // Another org's workflow is not found.
    const stranger = await createFixture();
    const theirs = await createApiKey({ orgId: stranger.orgId, scopes: ["admin"] });
    expect((await call("PATCH", path, theirs.key, { end_user_rate_limit_per_minute: 5 })).status).toBe(404);

    const created = await call("POST", "/api/v1/workflows", ci.key, {
      name: "Limited",
      template: "{{story}}",
      end_user_rate_limit_per_minute: 7,
    });
    expect(created).toMatchObject({ status: 200, body: { success: true, name: "Limited", end_user_rate_limit_per_minute: 7 } });
    const [row] = await (await getDb()).select().from(workflows).where(eq(workflows.id, created.body.workflow_id));
    expect(row!.endUserRateLimitPerMinute).toBe(7);
    expect((await call("POST", "/api/v1/workflows", ci.key, { name: "X", template: "x", end_user_rate_limit_per_minute: 0 })).status).toBe(
      400,
    );
  });

  it("the OpenAPI document shows the field on PATCH and POST /api/v1/workflows", async () => {
    const doc = JSON.parse(JSON.stringify(apiDocument()));
    const bodyOf = (p: string, m: string) => {
      const s = doc.paths[p][m].requestBody.content["application/json"].schema;
      return s.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s;
    };
    for (const [p, m] of [
      ["/api/v1/workflows/{workflow_id}", "patch"],
      ["/api/v1/workflows", "post"],
    ] as const) {
      const field = JSON.stringify(bodyOf(p, m).properties.end_user_rate_limit_per_minute);
      expect(field).toContain('"maximum":100000');
      expect(field).toContain('"minimum":1');
      expect(field).toContain("null");
    }
  });
});
