import { and, asc, eq } from "drizzle-orm";
import { signUpWithOrg } from "../support/auth-requests";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { setOrgSuspension } from "@/db/queries/orgs";
import { auditLog, runs } from "@/db/schema";
import type { ApiRoute } from "@/lib/api/route";
import { createApiKey } from "@/lib/auth/api-keys";
import { ORG_HEADER } from "@/lib/auth/user-principal";
import { queueEval } from "@/lib/evals/run-eval";
import { suspendOrg, unsuspendOrg } from "@/lib/operator/org-actions";
import { stopJobWorker } from "@/lib/queue/worker";
import { startQueue } from "@/lib/server/start-queue";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest, ROUTES } from "../support/routes";
import { until } from "../support/until";

// An operator's suspension (lib/operator, README "Operators"): every key and stream token of the
// org gets 403 org_suspended with the reason on every API route (native and OpenAI envelopes), the
// playground's member too; its queued async runs are canceled and refunded; unsuspending restores.

const REASON = "unpaid invoices since 2026-10-01";
const OPERATOR = { label: "ops@example.com" };
const STORY = { story: "a dog named charlie" };

/** Every apiRoute handler of every app/api route module. */
async function servedRoutes(): Promise<ApiRoute[]> {
  const out: ApiRoute[] = [];
  for (const r of ROUTES) {
    for (const handler of Object.values(await r.load()))
      if (typeof handler === "function" && "spec" in handler && !out.includes(handler as ApiRoute)) out.push(handler as ApiRoute);
  }
  return out;
}

const BODY: Record<string, unknown> = {
  "POST /api/v1/run/{workflow_id}": STORY,
  "POST /api/v1/run/{workflow_id}/stream": STORY,
  "POST /api/v1/openai/chat/completions": { model: "WF", messages: [{ role: "user", content: "hi" }] },
  "POST /api/v1/openai/responses": { prompt: { id: "WF" } },
  "POST /api/v1/runs/{run_id}/feedback": { score: 1 },
  "POST /api/v1/workflows/{workflow_id}/labels/{label}": { version: 1 },
  "POST /api/v1/workflows": { name: "x" },
};

const runAsync = (wf: string, key: string) =>
  apiRequest(`/api/v1/run/${wf}`, { method: "POST", key, json: STORY, headers: { prefer: "respond-async" } });

const nativeBody = {
  success: false,
  code: "org_suspended",
  error: `Organization suspended: ${REASON}`,
  request_id: expect.stringMatching(/^req_/),
};

describe("a suspended org's keys and tokens", () => {
  let f: Awaited<ReturnType<typeof createFixture>>;
  let adminRunKey: string;
  let runId: string;
  beforeAll(async () => {
    f = await createFixture();
    adminRunKey = (await createApiKey({ orgId: f.orgId, scopes: ["admin", "run"] })).key;
    const run = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: STORY });
    expect(run.status).toBe(200);
    runId = (await run.json()).run_id;
  });

  it("every route answers 403 org_suspended with the reason, to a key and to a stream token minted before; unsuspend restores", async () => {
    const routes = (await servedRoutes()).filter((r) => r.spec.auth === "apiKey" || r.spec.auth === "streamTokenOrKey");
    expect(routes.length).toBeGreaterThan(20);
    const fill = (path: string) =>
      path
        .replace("{workflow_id}", f.workflowId)
        .replace("{run_id}", runId)
        .replace("{session_id}", "chat_none")
        .replace("{label}", "staging")
        .replace("{eval_id}", "evr_none");
    // One token per route that takes tokens, minted while the org is active.
    const tokens = new Map<ApiRoute, string>();
    for (const r of routes.filter((r) => r.spec.auth === "streamTokenOrKey")) {
      const minted = await apiRequest("/api/v1/token?ttl=600", { key: f.key });
      expect(minted.status).toBe(200);
      tokens.set(r, (await minted.json()).token);
    }

    const bearerToken = (await (await apiRequest("/api/v1/token?ttl=600", { key: f.key })).json()).token as string;

    const out = await suspendOrg({ orgId: f.orgId, reason: REASON, operator: OPERATOR });
    expect(out).toMatchObject({ org_id: f.orgId, suspended: true, reason: REASON, already_suspended: false, canceled_runs: 0 });

    const call = (route: ApiRoute, auth: { key?: string; token?: string }) => {
      const id = `${route.spec.method} ${route.spec.path}`;
      const body = JSON.parse(JSON.stringify(BODY[id] ?? {}).replaceAll('"WF"', JSON.stringify(f.workflowId)));
      let path = fill(route.spec.path);
      if (auth.token) path += `?token=${auth.token}`;
      return apiRequest(path, { method: route.spec.method, key: auth.key, json: route.spec.method === "GET" ? undefined : body });
    };
    for (const route of routes) {
      const at = `${route.spec.method} ${route.spec.path}`;
      const credentials: Array<{ key?: string; token?: string }> = [{ key: adminRunKey }, { key: f.key }];
      if (tokens.has(route)) credentials.push({ token: tokens.get(route)! });
      for (const c of credentials) {
        const res = await call(route, c);
        const label = `${at} (${c.token ? "stream token" : "key"})`;
        expect(res.status, label).toBe(403);
        const body = await res.json();
        if (route.spec.errors === "openai")
          expect(body, label).toEqual({
            error: {
              message: `Organization suspended: ${REASON}`,
              type: "invalid_request_error",
              param: null,
              code: "org_suspended",
              request_id: expect.stringMatching(/^req_/),
            },
          });
        else expect(body, label).toEqual(nativeBody);
      }
    }
    // A token sent as the Bearer value (the OpenAI SDKs can only send an apiKey) is refused the same way.
    const openaiChat = routes.find((r) => r.spec.path === "/api/v1/openai/chat/completions")!;
    expect(openaiChat.spec.auth).toBe("streamTokenOrKey");
    const viaBearer = await call(openaiChat, { key: bearerToken });
    expect(viaBearer.status).toBe(403);
    expect((await viaBearer.json()).error).toMatchObject({ code: "org_suspended", message: `Organization suspended: ${REASON}` });
    // Another org is untouched.
    const other = await createFixture();
    expect((await apiRequest(`/api/v1/run/${other.workflowId}`, { method: "POST", key: other.key, json: STORY })).status).toBe(200);

    const back = await unsuspendOrg({ orgId: f.orgId, reason: "paid", operator: OPERATOR });
    expect(back).toEqual({ org_id: f.orgId, suspended: false, reason: "paid" });
    expect((await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: STORY })).status).toBe(200);
    expect((await apiRequest("/api/v1/workflows", { key: adminRunKey })).status).toBe(200);
    const minted = await apiRequest("/api/v1/token?ttl=60", { key: f.key });
    expect(minted.status).toBe(200);
    const streamed = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${(await minted.json()).token}`, {
      method: "POST",
      json: STORY,
    });
    expect(streamed.status).toBe(200);
    await streamed.text();
    await expectLedgerEqualsBalance(f.orgId);

    // Both actions are in the org's audit log, with the operator and the reason.
    const entries = await (
      await getDb()
    )
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.orgId, f.orgId), eq(auditLog.targetId, f.orgId)))
      .orderBy(asc(auditLog.id));
    expect(entries.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ["org.suspend", null, { operator: OPERATOR.label, reason: REASON }],
      [
        "org.unsuspend",
        null,
        { operator: OPERATOR.label, reason: "paid", suspended_reason: REASON, suspended_at: expect.stringMatching(/^\d{4}-/) },
      ],
    ]);
    expect((await listAuditEntries(await getDb(), { orgId: f.orgId })).length).toBeGreaterThanOrEqual(2);
  });

  it("the playground refuses a member of a suspended org with the reason", async () => {
    const me = await signUpWithOrg();
    const wf = await createWorkflow({ orgId: me.orgId, name: "Draft", template: "Say {{story}}", model: "offline:echo" });
    const play = () =>
      apiRequest(`/api/playground/${wf.workflow_id}?protocol=text`, {
        method: "POST",
        json: STORY,
        headers: { cookie: me.cookie, [ORG_HEADER]: me.orgId },
      });
    const ok = await play();
    expect(ok.status).toBe(200);
    await ok.text();
    await suspendOrg({ orgId: me.orgId, reason: REASON, operator: OPERATOR });
    const refused = await play();
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual(nativeBody);
    // Spending from the dashboard is refused too: new keys and evals.
    await expect(createApiKey({ orgId: me.orgId })).rejects.toMatchObject({
      code: "org_suspended",
      message: `Organization suspended: ${REASON}`,
    });
    await expect(queueEval({ orgId: me.orgId, workflowId: wf.workflow_id, target: "draft" })).rejects.toMatchObject({
      code: "org_suspended",
    });
    await unsuspendOrg({ orgId: me.orgId, operator: OPERATOR });
    const again = await play();
    expect(again.status).toBe(200);
    await again.text();
  });

  it("suspending twice replaces the reason; unsuspending an active org, an unknown org or an empty reason are refused", async () => {
    const g = await createFixture();
    await suspendOrg({ orgId: g.orgId, reason: "first", operator: OPERATOR });
    const again = await suspendOrg({ orgId: g.orgId, reason: REASON, operator: OPERATOR });
    expect(again).toMatchObject({ already_suspended: true, reason: REASON });
    const res = await apiRequest(`/api/v1/run/${g.workflowId}`, { method: "POST", key: g.key, json: STORY });
    expect(await res.json()).toEqual(nativeBody);
    await unsuspendOrg({ orgId: g.orgId, operator: OPERATOR });
    await expect(unsuspendOrg({ orgId: g.orgId, operator: OPERATOR })).rejects.toMatchObject({ message: "Organization is not suspended" });
    await expect(suspendOrg({ orgId: "org_nosuchorg", reason: "x", operator: OPERATOR })).rejects.toMatchObject({ code: "not_found" });
    await expect(suspendOrg({ orgId: g.orgId, reason: "  ", operator: OPERATOR })).rejects.toMatchObject({
      message: "A reason is required",
    });
    await expect(suspendOrg({ orgId: g.orgId, reason: "x".repeat(501), operator: OPERATOR })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("a suspended org's queued async runs", () => {
  beforeAll(() => stopJobWorker()); // hold the queue: the runs wait as queued
  afterAll(() => stopJobWorker());

  it("are canceled and refunded whole on suspend: the balance is back where it was, the ledger sums to it", async () => {
    const f = await createFixture({ credits: 50_000 });
    const start = await expectLedgerEqualsBalance(f.orgId, 50_000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await runAsync(f.workflowId, f.key);
      expect(res.status).toBe(202);
      ids.push((await res.json()).run_id);
    }
    expect(await expectLedgerEqualsBalance(f.orgId)).toBeLessThan(start);
    const out = await suspendOrg({ orgId: f.orgId, reason: REASON, operator: OPERATOR });
    expect(out.canceled_runs).toBe(3);
    await expectLedgerEqualsBalance(f.orgId, start);
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows.map((r) => [r.status, r.errorCode, r.errorMessage, r.creditsCharged])).toEqual(
      ids.map(() => ["canceled", "org_suspended", `Organization suspended: ${REASON}`, 0]),
    );
    await unsuspendOrg({ orgId: f.orgId, operator: OPERATOR });
  });

  it("the queue's worker cancels, instead of starting, a run queued just before a suspension it did not sweep", async () => {
    const f = await createFixture({ credits: 50_000 });
    const res = await runAsync(f.workflowId, f.key);
    const runId = (await res.json()).run_id;
    // As if another instance had queued it through a key it still had cached after the suspension committed.
    await setOrgSuspension(await getDb(), f.orgId, { at: new Date(), reason: REASON });
    startQueue();
    const row = await until(async () => {
      const [r] = await (await getDb()).select().from(runs).where(eq(runs.id, runId));
      return r?.status !== "queued" && r;
    }, "the worker to take the queued run");
    expect(row).toMatchObject({ status: "canceled", errorCode: "org_suspended", creditsCharged: 0 });
    await expectLedgerEqualsBalance(f.orgId, 50_000);
  });
});
