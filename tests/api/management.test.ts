import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { listWorkflowVersions } from "@/db/queries/workflows";
import { createApiKey } from "@/lib/auth/api-keys";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { createKeyAction } from "@/app/dashboard/keys/actions";
import { createDashboardOrg } from "../support/dashboard-org";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// The management API (README, Management API (CI)) through the real route modules: what a CI job does with an
// admin key, the scopes refused both ways, the audit trail naming the key, tenancy and bad bodies.

const adminKey = (orgId: string, scopes: Array<"run" | "admin"> = ["admin"]) => createApiKey({ orgId, name: "ci", scopes });
const call = async (method: string, path: string, key: string, json?: unknown, headers: Record<string, string> = {}) => {
  const res = await apiRequest(path, { method, key, json, headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
};

describe("management API", () => {
  it("a CI script creates, updates, publishes and moves a label; a run key then runs the new version", async () => {
    const f = await createFixture();
    const ci = await adminKey(f.orgId);

    const created = await call("POST", "/api/v1/workflows", ci.key, {
      name: "Stories",
      template: "draft {{story}}",
      model: "offline:echo",
    });
    expect(created).toMatchObject({ status: 200, body: { success: true, name: "Stories", model: "offline:echo", variables: ["story"] } });
    const wf = created.body.workflow_id as string;
    expect(await call("PATCH", `/api/v1/workflows/${wf}`, ci.key, { template: "v1 {{story}}", max_output_tokens: 200 })).toMatchObject({
      status: 200,
      body: { success: true, workflow_id: wf },
    });

    // A CI retry of the publish (same Idempotency-Key) replays the answer: one version, not two.
    const publish = () => call("POST", `/api/v1/workflows/${wf}/publish`, ci.key, { note: "CI build 1" }, { "idempotency-key": "build-1" });
    const first = await publish();
    expect(first).toMatchObject({ status: 200, body: { success: true, workflow_id: wf, version: 1 } });
    const again = await publish();
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await listWorkflowVersions(await getDb(), { orgId: f.orgId, workflowId: wf })).toHaveLength(1);

    await call("PATCH", `/api/v1/workflows/${wf}`, ci.key, { template: "v2 {{story}}" });
    expect((await call("POST", `/api/v1/workflows/${wf}/publish`, ci.key, {})).body.version).toBe(2);
    expect(await call("POST", `/api/v1/workflows/${wf}/labels/staging`, ci.key, { version: 1 })).toMatchObject({
      status: 200,
      body: { success: true, workflow_id: wf, label: "staging", from: null, to: 1, moved: true },
    });

    const list = await call("GET", "/api/v1/workflows", ci.key);
    expect(list.body.workflows).toContainEqual(expect.objectContaining({ workflow_id: wf, name: "Stories", published_version: 2 }));
    expect(
      (await call("GET", "/api/v1/workflows?search=stor", ci.key)).body.workflows.map((w: { workflow_id: string }) => w.workflow_id),
    ).toEqual([wf]);

    const run = (q = "") => call("POST", `/api/v1/run/${wf}${q}`, f.key, { story: "x" });
    expect((await run()).body).toMatchObject({ success: true, result: "v2 x" });
    expect((await run("?label=staging")).body).toMatchObject({ success: true, result: "v1 x" });
  });

  it("the audit log records publishes and label moves with the key as the actor", async () => {
    const f = await createFixture({ template: "a {{story}}" });
    const ci = await adminKey(f.orgId);
    await call("PATCH", `/api/v1/workflows/${f.workflowId}`, ci.key, { template: "b {{story}}" });
    await call("POST", `/api/v1/workflows/${f.workflowId}/publish`, ci.key, { note: "from CI" });
    await call("POST", `/api/v1/workflows/${f.workflowId}/labels/production`, ci.key, { version: 1 });
    const entries = await listAuditEntries(await getDb(), { orgId: f.orgId });
    const byKey = entries.filter((e) => e.actorId === ci.id);
    expect(byKey.map((e) => [e.action, e.targetId])).toEqual([
      ["label.move", f.workflowId],
      ["workflow.publish", f.workflowId],
      ["workflow.update", f.workflowId],
    ]);
    expect(byKey[1]!.details).toMatchObject({ version: 2, note: "from CI" });
    expect(byKey[2]!.details).toEqual({ fields: ["template"] });
    expect(byKey[0]!.details).toMatchObject({ label: "production", from_version: 2, to_version: 1 });
    expect(byKey[0]).toMatchObject({ actorKeyName: "ci", actorKeyPrefix: ci.prefix });
  });

  it("drafts created and edited through the API are audited like the dashboard's, with the key as the actor", async () => {
    const f = await createFixture();
    const ci = await adminKey(f.orgId);
    const other = await adminKey(f.orgId);
    const created = await call("POST", "/api/v1/workflows", ci.key, { name: "From CI", template: "a {{story}}" });
    const wf = created.body.workflow_id as string;
    await call("PATCH", `/api/v1/workflows/${wf}`, ci.key, { template: "b {{story}}", max_output_tokens: 100 });
    await call("PATCH", `/api/v1/workflows/${wf}`, other.key, { output_schema: { type: "object", properties: {} } });
    // Refused edits record nothing.
    expect((await call("PATCH", `/api/v1/workflows/${wf}`, ci.key, { template: "" })).status).toBe(400);
    const entries = (await listAuditEntries(await getDb(), { orgId: f.orgId })).filter((e) => e.targetId === wf);
    expect(entries.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ["workflow.update", other.id, { fields: ["outputSchema"] }],
      ["workflow.update", ci.id, { fields: ["maxOutputTokens", "template"] }],
      ["workflow.create", ci.id, { name: "From CI" }],
    ]);
    expect(entries[2]).toMatchObject({ actorKeyName: "ci", actorKeyPrefix: ci.prefix });
  });

  it("run keys get 403 on management; admin keys get 403 on /run, /stream and /token; both scopes do both", async () => {
    const f = await createFixture();
    const admin = await adminKey(f.orgId);
    const both = await adminKey(f.orgId, ["admin", "run"]);
    const wf = f.workflowId;
    const management: Array<[string, string, unknown?]> = [
      ["GET", "/api/v1/workflows"],
      ["POST", "/api/v1/workflows", { name: "N", template: "t {{x}}" }],
      ["PATCH", `/api/v1/workflows/${wf}`, { name: "Renamed" }],
      ["POST", `/api/v1/workflows/${wf}/publish`, {}],
      ["POST", `/api/v1/workflows/${wf}/labels/staging`, { version: 1 }],
    ];
    for (const [method, path, json] of management) {
      const res = await call(method, path, f.key, json);
      expect(res, `${method} ${path}`).toMatchObject({
        status: 403,
        body: { success: false, code: "forbidden", error: expect.stringContaining("admin scope") },
      });
      expect((await call(method, path, both.key, json)).status, `${method} ${path} with both scopes`).toBe(200);
    }
    const running: Array<[string, string, unknown?]> = [
      ["POST", `/api/v1/run/${wf}`, { story: "x" }],
      ["POST", `/api/v1/run/${wf}/stream`, { story: "x" }],
      ["GET", "/api/v1/token?ttl=60"],
    ];
    for (const [method, path, json] of running) {
      expect(await call(method, path, admin.key, json), `${method} ${path}`).toMatchObject({
        status: 403,
        body: { code: "forbidden", error: expect.stringContaining("no run scope") },
      });
    }
    expect((await call("POST", `/api/v1/run/${wf}`, both.key, { story: "x" })).status).toBe(200);
    // Reading is not running: an admin key may still describe what it manages.
    expect((await call("GET", `/api/v1/workflows/${wf}`, admin.key)).status).toBe(200);
  });

  it("another org's workflow is not found, and nothing changes there", async () => {
    const mine = await createFixture();
    const theirs = await createFixture({ template: "theirs {{story}}" });
    const ci = await adminKey(mine.orgId);
    const wf = theirs.workflowId;
    for (const [method, path, json] of [
      ["PATCH", `/api/v1/workflows/${wf}`, { template: "pwned {{story}}" }],
      ["POST", `/api/v1/workflows/${wf}/publish`, {}],
      ["POST", `/api/v1/workflows/${wf}/labels/production`, { version: 1 }],
    ] as const) {
      expect(await call(method, path, ci.key, json), `${method} ${path}`).toMatchObject({
        status: 404,
        body: { success: false, code: "workflow_not_found" },
      });
    }
    expect(
      (await call("GET", "/api/v1/workflows", ci.key)).body.workflows.map((w: { workflow_id: string }) => w.workflow_id),
    ).not.toContain(wf);
    expect(await listWorkflowVersions(await getDb(), { orgId: theirs.orgId, workflowId: wf })).toHaveLength(1);
    expect((await call("POST", `/api/v1/run/${wf}`, theirs.key, { story: "x" })).body.result).toBe("theirs x");
  });

  it("a key restricted to some workflows manages only those", async () => {
    const f = await createFixture();
    const other = await createFixture();
    const scoped = await createApiKey({ orgId: f.orgId, scopes: ["admin"], workflowIds: [f.workflowId] });
    const second = (await call("POST", "/api/v1/workflows", (await adminKey(f.orgId)).key, { name: "Second", template: "s {{x}}" })).body
      .workflow_id;
    expect((await call("GET", "/api/v1/workflows", scoped.key)).body.workflows.map((w: { workflow_id: string }) => w.workflow_id)).toEqual([
      f.workflowId,
    ]);
    expect((await call("POST", `/api/v1/workflows/${second}/publish`, scoped.key, {})).status).toBe(404);
    expect((await call("POST", `/api/v1/workflows/${other.workflowId}/publish`, scoped.key, {})).status).toBe(404);
  });

  const bad: Array<{ name: string; method: string; path: (wf: string) => string; json: unknown; message?: string }> = [
    { name: "create without a template", method: "POST", path: () => "/api/v1/workflows", json: { name: "x" }, message: "template" },
    {
      name: "create with an unknown field",
      method: "POST",
      path: () => "/api/v1/workflows",
      json: { name: "x", template: "t", maxOutputTokens: 5 },
    },
    { name: "create with a blank name", method: "POST", path: () => "/api/v1/workflows", json: { name: "  ", template: "t" } },
    {
      name: "create with an unclosed variable",
      method: "POST",
      path: () => "/api/v1/workflows",
      json: { name: "x", template: "Hi {{name" },
    },
    {
      name: "a template over 100 000 characters",
      method: "PATCH",
      path: (wf) => `/api/v1/workflows/${wf}`,
      json: { template: "x".repeat(100_001) },
    },
    { name: "an empty patch", method: "PATCH", path: (wf) => `/api/v1/workflows/${wf}`, json: {} },
    {
      name: "max_output_tokens 0",
      method: "PATCH",
      path: (wf) => `/api/v1/workflows/${wf}`,
      json: { max_output_tokens: 0 },
      message: "max_output_tokens",
    },
    {
      name: "an output schema that is not an object",
      method: "PATCH",
      path: (wf) => `/api/v1/workflows/${wf}`,
      json: { output_schema: { type: "string" } },
    },
    {
      name: "a note over 500 characters",
      method: "POST",
      path: (wf) => `/api/v1/workflows/${wf}/publish`,
      json: { note: "n".repeat(501) },
    },
    { name: "a version as a string", method: "POST", path: (wf) => `/api/v1/workflows/${wf}/labels/staging`, json: { version: "1" } },
    { name: "a label name with capitals", method: "POST", path: (wf) => `/api/v1/workflows/${wf}/labels/Staging`, json: { version: 1 } },
    { name: "moving latest by hand", method: "POST", path: (wf) => `/api/v1/workflows/${wf}/labels/latest`, json: { version: 1 } },
    { name: "a search over 200 characters", method: "GET", path: () => `/api/v1/workflows?search=${"s".repeat(201)}`, json: undefined },
  ];
  it.each(bad)("400 invalid_request: $name", async ({ method, path, json, message }) => {
    const f = await createFixture();
    const ci = await adminKey(f.orgId);
    const res = await call(method, path(f.workflowId), ci.key, json);
    expect(res).toMatchObject({ status: 400, body: { success: false, code: "invalid_request" } });
    if (message) expect(res.body.error).toContain(message);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("a label moved to a version that does not exist is not found", async () => {
    const f = await createFixture();
    const ci = await adminKey(f.orgId);
    expect(await call("POST", `/api/v1/workflows/${f.workflowId}/labels/staging`, ci.key, { version: 9 })).toMatchObject({
      status: 404,
      body: { code: "workflow_not_found", error: "Workflow not found (no version 9)" },
    });
  });

  it("admin keys come from `key create --scope` and the dashboard's key form; the default is run only", async () => {
    const org = await createDashboardOrg();
    const cli = await runAdminCommand(["key", "create", "--org", org.orgId, "--scope", "admin,run"]);
    expect(cli.scopes).toEqual(["admin", "run"]);
    expect((await runAdminCommand(["key", "create", "--org", org.orgId])).scopes).toEqual(["run"]);
    await expect(runAdminCommand(["key", "create", "--org", org.orgId, "--scope", "root"])).rejects.toMatchObject({
      code: "invalid_request",
    });
    const form = await createKeyAction.run(org.users.admin, { orgId: org.orgId, name: "ci", options: { scopes: ["admin"] } });
    if (!form.ok) throw new Error(form.error.message);
    expect((await call("GET", "/api/v1/workflows", form.data.key)).status).toBe(200);
    expect(await createKeyAction.run(org.users.admin, { orgId: org.orgId, name: "none", options: { scopes: [] } })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await createKeyAction.run(org.users.member, { orgId: org.orgId, name: "m", options: { scopes: ["admin"] } })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
  });

  it("the OpenAPI document lists the management operations", async () => {
    const doc = await (await apiRequest("/api/v1/openapi.json")).json();
    expect(doc.paths["/api/v1/workflows"]).toHaveProperty("get.operationId", "listWorkflows");
    expect(doc.paths["/api/v1/workflows"]).toHaveProperty("post.operationId", "createWorkflow");
    expect(doc.paths["/api/v1/workflows/{workflow_id}"]).toHaveProperty("patch.operationId", "updateWorkflowDraft");
    expect(doc.paths["/api/v1/workflows/{workflow_id}/publish"]).toHaveProperty("post.tags", ["Management"]);
    expect(doc.paths["/api/v1/workflows/{workflow_id}/labels/{label}"]).toHaveProperty("post.operationId", "moveLabel");
  });
});
