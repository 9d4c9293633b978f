import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getWorkflow, listWorkflowVersions } from "@/db/queries/workflows";
import { createApiKey } from "@/lib/auth/api-keys";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { openSecret, sealSecret, UnreadableSecretError } from "@/lib/secrets/sealed";
import { toolHeaders } from "@/lib/tools/tool-headers";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// Tools in a workflow version (issue 31, docs/tools.md): how they are defined — bounds, header
// values sealed at rest and never shown, kept when written back as the placeholder — through the
// management API, export, the run surface's description and the admin CLI.

const call = async (method: string, p: string, key: string, json?: unknown) => {
  const res = await apiRequest(p, { method, key, json });
  return { status: res.status, body: await res.json() };
};
const params = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const weather = { type: "function", name: "get_weather", description: "Weather for a city", parameters: params };
const lookup = (headers: Record<string, string>) => ({
  type: "http",
  name: "lookup_order",
  description: "An order by id",
  parameters: params,
  url: "https://tools.example.com/orders",
  headers,
});
const SECRET = "Bearer sk-tool-0123456789abcdef";

async function setup() {
  const f = await createFixture();
  const admin = (await createApiKey({ orgId: f.orgId, name: "ci", scopes: ["admin"] })).key;
  return { ...f, admin };
}

describe("tools in a workflow version", () => {
  it("stores header values sealed, shows them as [secret] everywhere, and keeps them when written back", async () => {
    const f = await setup();
    const created = await call("POST", "/api/v1/workflows", f.admin, {
      name: "Support",
      template: "Help with {{question}}",
      model: "offline:echo",
      tools: [weather, lookup({ Authorization: SECRET })],
      max_steps: 4,
    });
    expect(created.status).toBe(200);
    const wf = created.body.workflow_id as string;

    // At rest: sealed, not the value; opened only by the server for the call.
    const row = (await getWorkflow(await getDb(), { orgId: f.orgId, workflowId: wf }))!;
    expect(row.maxSteps).toBe(4);
    const stored = row.tools[1]!;
    expect(stored.type).toBe("http");
    expect(JSON.stringify(row.tools)).not.toContain("sk-tool");
    expect(toolHeaders(stored as { headers?: Record<string, string> })).toEqual({ Authorization: SECRET });

    // The export shows the placeholder; the value appears nowhere in it.
    const exported = await call("GET", `/api/v1/workflows/${wf}/export`, f.admin);
    expect(exported.status).toBe(200);
    expect(JSON.stringify(exported.body)).not.toContain("sk-tool");
    expect(exported.body.draft.tools[1].headers).toEqual({ Authorization: "[secret]" });
    expect(exported.body.draft.max_steps).toBe(4);

    // Written back as the placeholder (what the editor and a pulled file send): the value is kept.
    const keep = await call("PATCH", `/api/v1/workflows/${wf}`, f.admin, { tools: exported.body.draft.tools });
    expect(keep.status).toBe(200);
    const kept = (await getWorkflow(await getDb(), { orgId: f.orgId, workflowId: wf }))!.tools[1]!;
    expect(toolHeaders(kept as { headers?: Record<string, string> })).toEqual({ Authorization: SECRET });

    // A new value replaces it.
    await call("PATCH", `/api/v1/workflows/${wf}`, f.admin, { tools: [weather, lookup({ Authorization: "Bearer new" })] });
    const replaced = (await getWorkflow(await getDb(), { orgId: f.orgId, workflowId: wf }))!.tools[1]!;
    expect(toolHeaders(replaced as { headers?: Record<string, string> })).toEqual({ Authorization: "Bearer new" });

    // The placeholder for a header nothing stores is a 400 that names it, not a silently empty header.
    const unknown = await call("PATCH", `/api/v1/workflows/${wf}`, f.admin, {
      tools: [weather, lookup({ Authorization: "[secret]", "X-Tenant": "[secret]" })],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ success: false, code: "invalid_request" });
    expect(unknown.body.error).toContain("X-Tenant");

    // Publishing freezes them into the version; the run surface describes only the client tools.
    expect((await call("POST", `/api/v1/workflows/${wf}/publish`, f.admin, {})).status).toBe(200);
    const [v1] = await listWorkflowVersions(await getDb(), { orgId: f.orgId, workflowId: wf });
    expect(v1!.tools).toHaveLength(2);
    expect(v1!.maxSteps).toBe(4);
    const described = await call("GET", `/api/v1/workflows/${wf}`, f.key);
    expect(described.status).toBe(200);
    expect(described.body.tools).toEqual([{ name: "get_weather", description: "Weather for a city", parameters: params }]);
    expect(described.body.max_steps).toBe(4);
    expect(JSON.stringify(described.body)).not.toContain("tools.example.com");
  });

  it("refuses tools past their bounds with a 400 that says why", async () => {
    const f = await setup();
    const create = (extra: Record<string, unknown>) =>
      call("POST", "/api/v1/workflows", f.admin, { name: "x", template: "t", model: "offline:echo", ...extra });
    const many = Array.from({ length: 33 }, (_, i) => ({ ...weather, name: `tool_${i}` }));
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ tools: many }, /32/],
      [{ tools: [weather, weather] }, /used twice/],
      [{ tools: [{ ...weather, name: "has space" }] }, /\^\[a-zA-Z0-9_-\]\{1,64\}\$/],
      [{ tools: [{ ...weather, parameters: { type: "object", description: "x".repeat(20_001) } }] }, /20000 characters/],
      [{ tools: [{ ...weather, parameters: { type: "string" } }] }, /object/],
      [{ tools: [{ ...lookup({}), url: "ftp://x.example" }] }, /URL/],
      [{ tools: [{ type: "shell", name: "rm" }] }, /tools/],
      [{ max_steps: 11 }, /max_steps/],
      [{ max_steps: 0 }, /max_steps/],
    ];
    for (const [body, message] of cases) {
      const r = await create(body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body).toMatchObject({ success: false, code: "invalid_request" });
      expect(r.body.error).toMatch(message);
    }
  });

  it("the admin CLI takes --tools-file and --max-steps", async () => {
    const f = await setup();
    const dir = mkdtempSync(path.join(tmpdir(), "fg-tools-"));
    const file = path.join(dir, "tools.json");
    writeFileSync(file, JSON.stringify([weather, lookup({ Authorization: SECRET })]));
    const out = (await runAdminCommand([
      "workflow",
      "create",
      "--org",
      f.orgId,
      "--name",
      "cli",
      "--template",
      "t {{q}}",
      "--tools-file",
      file,
      "--max-steps",
      "3",
    ])) as {
      workflow_id: string;
    };
    const row = (await getWorkflow(await getDb(), { orgId: f.orgId, workflowId: out.workflow_id }))!;
    expect(row.tools.map((t) => t.type)).toEqual(["function", "http"]);
    expect(row.maxSteps).toBe(3);
    expect(JSON.stringify(row.tools)).not.toContain("sk-tool");
    writeFileSync(file, "[{");
    await expect(
      runAdminCommand(["workflow", "create", "--org", f.orgId, "--name", "bad", "--template", "t", "--tools-file", file]),
    ).rejects.toThrow(/--tools-file must be JSON/);
  });

  it("a sealed value opens only with its own key and unaltered", () => {
    const sealed = sealSecret(SECRET);
    expect(sealed).not.toContain("sk-tool");
    expect(sealed).not.toBe(sealSecret(SECRET)); // a fresh IV each time
    expect(openSecret(sealed)).toBe(SECRET);
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
    expect(() => openSecret(flipped)).toThrow(UnreadableSecretError);
    expect(() => openSecret("plain text")).toThrow(UnreadableSecretError);
    try {
      openSecret(flipped);
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("sk-tool");
    }
  });
});
