import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { evalRuns, webhookDeliveries } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { createApiKey } from "@/lib/auth/api-keys";
import { createEvalCase } from "@/lib/evals/cases";
import { queueEval } from "@/lib/evals/run-eval";
import { resetEnvForTests } from "@/lib/env";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { until as untilWithin } from "../support/until";

// Evals run on the queue: give each wait 30 s on a loaded machine.
function until<T>(f: () => Promise<T | undefined | false>, what: string) {
  return untilWithin(f, what, { ms: 30_000, everyMs: 100 });
}

// Evals over the management API (docs/ci.md): queued with a 202, run by the job queue, followed by
// id, admin keys only, an `eval.completed` webhook event when they end.

beforeAll(() => {
  process.env.WEBHOOKS_ALLOW_PRIVATE = "1";
  resetEnvForTests();
  startQueue();
});
afterAll(() => {
  stopJobWorker();
  delete process.env.WEBHOOKS_ALLOW_PRIVATE;
  resetEnvForTests();
});

const call = (method: string, path: string, key: string, json?: unknown, headers: Record<string, string> = {}) =>
  apiRequest(path, { method, key, json, headers });

async function dataset() {
  const f = await createFixture();
  const admin = await createApiKey({ orgId: f.orgId, name: "ci", scopes: ["admin"] });
  await createEvalCase({
    orgId: f.orgId,
    workflowId: f.workflowId,
    input: { name: "dog", inputs: { story: "a dog" }, expectations: [{ type: "contains", value: "dog" }] },
  });
  await createEvalCase({
    orgId: f.orgId,
    workflowId: f.workflowId,
    input: { name: "cat", inputs: { story: "a cat" }, expectations: [{ type: "contains", value: "dog" }] },
  });
  return { ...f, admin: admin.key };
}

describe("evals over the API", () => {
  it("POST queues (202, Location), the queue runs it, GET shows status, totals and per-case results; eval.completed is sent", async () => {
    const f = await dataset();
    await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", "http://127.0.0.1:9/hooks", "--events", "eval.completed"]);
    const res = await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, { version: 1 });
    expect(res.status).toBe(202);
    const queued = await res.json();
    expect(queued).toMatchObject({ success: true, status: "queued", workflow_id: f.workflowId, target: "v1", ok: false });
    expect(res.headers.get("location")).toBe(`/api/v1/evals/${queued.eval_id}`);

    const done = await until(async () => {
      const r = await call("GET", `/api/v1/evals/${queued.eval_id}`, f.admin);
      expect(r.status).toBe(200);
      const body = await r.json();
      return body.status === "completed" && body;
    }, "the eval to complete");
    expect(done).toMatchObject({
      success: true,
      eval_id: queued.eval_id,
      target: "v1",
      cases: 2,
      passed: 1,
      failed: 1,
      ok: false,
      error: null,
      finished_at: expect.any(String),
    });
    expect(done.credits_charged).toBeGreaterThan(0);
    const byName = Object.fromEntries(done.results.map((r: { name: string }) => [r.name, r]));
    expect(byName.dog).toMatchObject({
      passed: true,
      output: "Write a dog",
      output_truncated: false,
      checks: [{ type: "contains", ok: true }],
      run_id: expect.stringMatching(/^run_/),
    });
    expect(byName.cat).toMatchObject({ passed: false, checks: [{ type: "contains", ok: false, message: 'does not contain "dog"' }] });

    const db = await getDb();
    const [delivery] = await db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.orgId, f.orgId), eq(webhookDeliveries.eventType, "eval.completed")));
    expect(delivery!.payload).toMatchObject({
      type: "eval.completed",
      data: { eval_id: queued.eval_id, status: "completed", passed: 1, failed: 1, ok: false },
    });
  });

  it("the draft by default; Idempotency-Key queues once", async () => {
    const f = await dataset();
    const first = await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, {}, { "idempotency-key": "ci-build-7" });
    const again = await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, {}, { "idempotency-key": "ci-build-7" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    const a = await first.json();
    expect(a).toMatchObject({ target: "draft" });
    expect((await again.json()).eval_id).toBe(a.eval_id);
    expect(await (await getDb()).select().from(evalRuns).where(eq(evalRuns.workflowId, f.workflowId))).toHaveLength(1);
    await until(
      async () => (await (await call("GET", `/api/v1/evals/${a.eval_id}`, f.admin)).json()).status === "completed",
      "the draft eval",
    );
  });

  it("admin keys only; another org's workflow and eval are not found; bad bodies and empty datasets are 400s", async () => {
    const f = await dataset();
    const runKey = await createApiKey({ orgId: f.orgId });
    expect((await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, runKey.key, {})).status).toBe(403);
    const ok = await (await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, {})).json();
    expect((await call("GET", `/api/v1/evals/${ok.eval_id}`, runKey.key)).status).toBe(403);

    const other = await dataset();
    const theirs = await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, other.admin, {});
    expect(theirs.status).toBe(404);
    expect(await theirs.json()).toMatchObject({ code: "workflow_not_found" });
    const peek = await call("GET", `/api/v1/evals/${ok.eval_id}`, other.admin);
    expect(peek.status).toBe(404);
    expect(await peek.json()).toMatchObject({ code: "not_found", error: "Eval not found" });
    expect((await call("GET", "/api/v1/evals/evr_nope", f.admin)).status).toBe(404);

    const bad = await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, { version: "latest" });
    expect(bad.status).toBe(400);
    expect((await call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, { version: 9 })).status).toBe(404);
    const empty = await createFixture();
    const emptyKey = await createApiKey({ orgId: empty.orgId, scopes: ["admin"] });
    const none = await call("POST", `/api/v1/workflows/${empty.workflowId}/evals`, emptyKey.key, {});
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: "The dataset is empty: add test cases first" });
    await until(async () => (await (await call("GET", `/api/v1/evals/${ok.eval_id}`, f.admin)).json()).status === "completed", "the eval");
  });

  it("at most 3 evals of a workflow queued or running at once, also for concurrent requests: the others are 429s", async () => {
    const f = await dataset();
    stopJobWorker(); // hold the queue: every eval stays queued
    try {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => call("POST", `/api/v1/workflows/${f.workflowId}/evals`, f.admin, {})),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([202, 202, 202, 429, 429, 429]);
      const refused = answers.find((r) => r.status === 429)!;
      expect(await refused.json()).toMatchObject({ error: "Rate limit exceeded", reason: "too_many_evals", limit: 3 });
      expect(refused.headers.get("retry-after")).toBeTruthy();
    } finally {
      startQueue();
    }
    await until(
      async () =>
        (await (await getDb()).select().from(evalRuns).where(eq(evalRuns.workflowId, f.workflowId))).every((r) => r.status === "completed"),
      "the three evals",
    );
  });

  it("the dashboard's evals go through the queue too: queued at once, completed by a worker", async () => {
    const f = await dataset();
    stopJobWorker(); // hold the queue, to see the eval waiting
    const q = await queueEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft", actorId: "user_x" });
    expect(q).toMatchObject({ status: "queued", cases: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await (await getDb()).select().from(evalRuns).where(eq(evalRuns.id, q.eval_id));
    expect(row!.status).toBe("queued");
    startQueue();
    await until(
      async () => (await (await getDb()).select().from(evalRuns).where(eq(evalRuns.id, q.eval_id)))[0]!.status === "completed",
      "the queued eval",
    );
  });
});
