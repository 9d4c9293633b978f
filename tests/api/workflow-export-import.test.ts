import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { importWorkflowAction } from "@/app/dashboard/workflows/actions";
import { getDb } from "@/db";
import { getWorkflow, listWorkflowVersions } from "@/db/queries/workflows";
import { workflows } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { createApiKey } from "@/lib/auth/api-keys";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { parseWorkflowDocument } from "@/lib/workflows/export-import/document";
import { importWorkflow } from "@/lib/workflows/export-import/import-workflow";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createDashboardOrg } from "../support/dashboard-org";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// Bringing prompts over: a workflow exported as a JSON document becomes a new workflow on import
// (from the API's export, the admin CLI or the dashboard), with its versions and labels; a prompt
// pasted from OpenAI's dashboard becomes a draft. Nothing is ever overwritten.

/** Versions 1..3 ("vN {{story}}"), staging on 1, production on 2, and a draft that differs. */
async function source() {
  const f = await createFixture({ template: "v1 {{story}}", system: "Be {{tone}}.", maxOutputTokens: 77, temperature: 0.4 });
  const db = await getDb();
  for (const v of [2, 3]) {
    await db
      .update(workflows)
      .set({ template: `v${v} {{story}}` })
      .where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId, note: `note ${v}` });
  }
  await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "staging", version: 1, actorId: null });
  await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "production", version: 2, actorId: null });
  await db.update(workflows).set({ template: "draft {{story}}" }).where(eq(workflows.id, f.workflowId));
  return f;
}

const run = async (key: string, workflowId: string, q = "") =>
  (await (await apiRequest(`/api/v1/run/${workflowId}${q}`, { method: "POST", key, json: { story: "x", tone: "kind" } })).json()).result;

describe("GET /api/v1/workflows/:id/export → import", () => {
  it("exports draft, versions and labels; the import is a new workflow that runs the same content for the same pins", async () => {
    const f = await source();
    const res = await apiRequest(`/api/v1/workflows/${f.workflowId}/export`, { key: f.key });
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc).toMatchObject({
      format: "flowgate.workflow.v1",
      name: "Test workflow",
      draft: { template: "draft {{story}}", system: "Be {{tone}}.", max_output_tokens: 77, temperature: 0.4, model: "offline:echo" },
      labels: { production: 2, staging: 1, latest: 3 },
    });
    expect(doc.draft.variables).toEqual([
      { name: "story", type: "string" },
      { name: "tone", type: "string" },
    ]);
    expect(doc.versions.map((v: { version: number; template: string; note: string }) => [v.version, v.template, v.note])).toEqual([
      [1, "v1 {{story}}", "Initial version"],
      [2, "v2 {{story}}", "note 2"],
      [3, "v3 {{story}}", "note 3"],
    ]);

    const copy = await importWorkflow({ orgId: f.orgId, doc: parseWorkflowDocument(JSON.stringify(doc), "offline:echo") });
    expect(copy.workflow_id).not.toBe(f.workflowId);
    expect(copy).toMatchObject({ versions: 3, published: true, labels: { production: 2, staging: 1 } });
    expect([
      await run(f.key, copy.workflow_id),
      await run(f.key, copy.workflow_id, "?label=staging"),
      await run(f.key, copy.workflow_id, "?version=3"),
    ]).toEqual(["v2 x", "v1 x", "v3 x"]);
    const db = await getDb();
    expect(await getWorkflow(db, { orgId: f.orgId, workflowId: copy.workflow_id })).toMatchObject({
      template: "draft {{story}}",
      maxOutputTokens: 77,
      temperature: 0.4,
    });
    // The source is untouched.
    expect(await run(f.key, f.workflowId)).toBe("v2 x");
    expect((await listWorkflowVersions(db, { orgId: f.orgId, workflowId: f.workflowId })).length).toBe(3);
  });

  it("a key sees only what it may: another org's or an out-of-scope workflow is 404, an unpublished one exports as a draft", async () => {
    const f = await createFixture();
    const other = await createFixture();
    const draft = await createWorkflow({ orgId: f.orgId, name: "d", template: "t {{a}}", model: "offline:echo" });
    const scoped = await createApiKey({ orgId: f.orgId, workflowIds: [draft.workflow_id] });
    expect((await apiRequest(`/api/v1/workflows/${other.workflowId}/export`, { key: f.key })).status).toBe(404);
    expect((await apiRequest(`/api/v1/workflows/${f.workflowId}/export`, { key: scoped.key })).status).toBe(404);
    const doc = await (await apiRequest(`/api/v1/workflows/${draft.workflow_id}/export`, { key: scoped.key })).json();
    expect(doc).toMatchObject({ versions: [], labels: {}, draft: { template: "t {{a}}" } });
    const copy = await importWorkflow({ orgId: other.orgId, doc: parseWorkflowDocument(JSON.stringify(doc), "offline:echo") });
    expect(copy).toMatchObject({ versions: 0, published: false });
  });
});

describe("import: documents and OpenAI prompts", () => {
  it("a prompt as OpenAI's dashboard shows it: instructions to the system prompt, {{input}} for the caller's message, the model under openai", () => {
    const doc = parseWorkflowDocument(
      JSON.stringify({
        id: "pmpt_123",
        model: "gpt-4o",
        instructions: "Summarize the text in {{language}}.",
        variables: { language: "French" },
        temperature: 0.2,
      }),
      "offline:echo",
    );
    expect(doc).toMatchObject({
      name: "Imported pmpt_123",
      draft: { system: "Summarize the text in {{language}}.", template: "{{input}}", model: "openai:gpt-4o", temperature: 0.2 },
      versions: [],
      labels: {},
    });
    expect(doc.draft.variables).toEqual([
      { name: "input", type: "string" },
      { name: "language", type: "string", example: "French" },
    ]);
    expect(parseWorkflowDocument("You are a pirate. Answer {{question}}.", "offline:echo").draft).toMatchObject({
      system: "You are a pirate. Answer {{question}}.",
      template: "{{input}}",
      model: "offline:echo",
    });
    expect(
      parseWorkflowDocument(
        JSON.stringify({
          model: "gpt-4o",
          messages: [
            { role: "developer", content: "Be brief." },
            { role: "user", content: "Explain {{topic}}" },
          ],
        }),
        "x:y",
      ).draft,
    ).toMatchObject({ system: "Be brief.", template: "Explain {{topic}}" });
  });

  it.each([
    ["", "The document is empty"],
    ["{not json", "The document is not valid JSON"],
    [JSON.stringify({ format: "flowgate.workflow.v9", name: "x" }), 'format must be "flowgate.workflow.v1"'],
    [
      JSON.stringify({
        format: "flowgate.workflow.v1",
        name: "x",
        draft: { template: "t", model: "offline:echo" },
        labels: { staging: 9 },
      }),
      "labels.staging points at version 9",
    ],
    [
      JSON.stringify({ format: "flowgate.workflow.v1", name: "x", draft: { template: "", model: "offline:echo" } }),
      "draft.template must not be empty",
    ],
    [JSON.stringify({ model: "gpt-4o" }), "nothing to import"],
  ])("refuses a bad document with a clear 400: %s", (text, message) => {
    expect(() => parseWorkflowDocument(text, "offline:echo")).toThrow(
      expect.objectContaining({ code: "invalid_request", message: expect.stringContaining(message) }),
    );
  });
});

describe("npm run admin -- workflow export | import", () => {
  it("round-trips through a file; --draft-only leaves the versions behind", async () => {
    const f = await source();
    const doc = await runAdminCommand(["workflow", "export", "--org", f.orgId, "--workflow", f.workflowId]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "fg-export-")), "wf.json");
    writeFileSync(file, JSON.stringify(doc));
    const copy = await runAdminCommand(["workflow", "import", "--org", f.orgId, "--file", file]);
    expect(copy).toMatchObject({ versions: 3, published: true });
    expect(await run(f.key, copy.workflow_id as string, "?label=staging")).toBe("v1 x");
    const draft = await runAdminCommand(["workflow", "import", "--org", f.orgId, "--file", file, "--draft-only"]);
    expect(draft).toMatchObject({ versions: 0, published: false });
    await expect(runAdminCommand(["workflow", "import", "--org", f.orgId, "--file", "/nonexistent.json"])).rejects.toThrow("cannot read");
  });
});

describe("dashboard import action", () => {
  it("admins import a pasted OpenAI prompt as a new draft; members may not", async () => {
    const { orgId, users } = await createDashboardOrg();
    const input = {
      orgId,
      document: JSON.stringify({ model: "gpt-4o-mini", instructions: "Translate {{input}} to {{language}}" }),
      draftOnly: false,
    };
    expect(await importWorkflowAction.run(users.member, input)).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const res = await importWorkflowAction.run(users.admin, input);
    expect(res).toMatchObject({ ok: true, data: { versions: 0, published: false } });
    const wf = await getWorkflow(await getDb(), { orgId, workflowId: (res as { data: { workflow_id: string } }).data.workflow_id });
    expect(wf).toMatchObject({ system: "Translate {{input}} to {{language}}", template: "{{input}}", model: "openai:gpt-4o-mini" });
    expect(await importWorkflowAction.run(users.admin, { ...input, document: "{" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
  });
});
