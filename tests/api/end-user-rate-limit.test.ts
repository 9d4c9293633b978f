import { describe, expect, it } from "vitest";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
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
