import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { getAuth } from "@/lib/auth/auth";
import { ORG_HEADER } from "@/lib/auth/user-principal";
import { randomAlnum } from "@/lib/ids";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { workflowSnippets } from "@/lib/workflows/snippets";
import { updateDraft } from "@/lib/workflows/update-draft";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";

// Typed variables: text (default), number, boolean, enum, json, image. The same checks on /run,
// /stream and the playground; GET /workflows/:id describes each type and the whole input.

const TEMPLATE = "n={{count}} b={{loud}} l={{level}} j={{data}} t={{topic}}";
const VARIABLES = [
  { name: "count", type: "number" as const, description: "How many" },
  { name: "loud", type: "boolean" as const },
  { name: "level", type: "enum" as const, values: ["easy", "hard"] },
  { name: "data", type: "json" as const },
];
const GOOD = { count: 3, loud: true, level: "hard", data: { a: [1, "x"] }, topic: "dogs" };

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());

const BAD: Array<[string, unknown, string]> = [
  ["count", "3", "Invalid parameter: count must be a number, not a string"],
  ["count", null, "Invalid parameter: count must be a number, not null"],
  ["loud", "true", "Invalid parameter: loud must be true or false, not a string"],
  ["loud", 1, "Invalid parameter: loud must be true or false, not a number"],
  ["level", "medium", 'Invalid parameter: level must be one of easy, hard, not "medium"'],
  ["level", 2, "Invalid parameter: level must be one of easy, hard, not a number"],
  ["topic", { x: 1 }, "Invalid parameter: topic must be a string, number or boolean, not an object"],
];

describe("typed variables", () => {
  it("renders each type's good value: numbers and booleans as text, json as JSON", async () => {
    const f = await createFixture({ template: TEMPLATE, variables: VARIABLES });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: GOOD });
    expect(res.status).toBe(200);
    expect((await res.json()).result).toBe('n=3 b=true l=hard j={"a":[1,"x"]} t=dogs');
  });

  it.each(BAD)("/run, /stream and the playground: %s = %j → 400 naming the variable and what it must be", async (name, value, message) => {
    const f = await createFixture({ template: TEMPLATE, variables: VARIABLES });
    const body = { ...GOOD, [name]: value };
    const run = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: body });
    expect(run.status).toBe(400);
    expect(await run.json()).toMatchObject({ success: false, code: "invalid_request", error: message });
    const stream = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { parameters: body } });
    expect(stream.status).toBe(400);
    expect((await stream.json()).error).toBe(message);
  });

  it("the playground checks the draft's types the same way", async () => {
    const auth = await getAuth();
    const signUp = await auth.api.signUpEmail({
      body: { email: `${randomAlnum(12)}@example.com`, password: "correct horse battery", name: "Ada" },
      asResponse: true,
    });
    const cookie = signUp.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const org = await auth.api.createOrganization({
      body: { name: "Typed", slug: `typed-${randomAlnum(10)}` },
      headers: new Headers({ cookie }),
    });
    const wf = await createWorkflow({ orgId: org!.id, name: "Typed", template: "x", model: "offline:echo" });
    await updateDraft({ orgId: org!.id, workflowId: wf.workflow_id, patch: { template: TEMPLATE, variables: VARIABLES } });
    const post = (body: unknown) =>
      fetch(`${server.url}/api/playground/${wf.workflow_id}`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, [ORG_HEADER]: org!.id },
        body: JSON.stringify(body),
      });
    const bad = await post({ ...GOOD, level: "medium" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('Invalid parameter: level must be one of easy, hard, not "medium"');
    const good = await post(GOOD);
    expect(await good.text()).toBe('n=3 b=true l=hard j={"a":[1,"x"]} t=dogs');
  });

  it("the missing-variable message stays the seed's", async () => {
    const f = await createFixture({ template: TEMPLATE, variables: VARIABLES });
    const { count: _, ...rest } = GOOD;
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: rest });
    expect(await res.json()).toMatchObject({ error: "Missing required parameter: count" });
  });

  it("GET /workflows/:id gives each variable's type and the whole input as a JSON Schema that accepts the good body and refuses the bad ones", async () => {
    const f = await createFixture({ template: TEMPLATE, variables: VARIABLES });
    const d = await (await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: f.key })).json();
    expect(d.variables).toEqual([
      { name: "count", type: "number", required: true, description: "How many", example: null },
      { name: "loud", type: "boolean", required: true, description: null, example: null },
      { name: "level", type: "enum", values: ["easy", "hard"], required: true, description: null, example: null },
      { name: "data", type: "json", required: true, description: null, example: null },
      { name: "topic", type: "text", required: true, description: null, example: null },
    ]);
    const validate = new Ajv2020({ strict: false }).compile(d.input_schema);
    expect(validate(GOOD)).toBe(true);
    for (const [name, value] of BAD) expect(validate({ ...GOOD, [name]: value }), `${name}=${JSON.stringify(value)}`).toBe(false);
    expect(validate({ ...GOOD, count: undefined })).toBe(false);
  });

  it("the dashboard snippets' example body has a value of each variable's type, which the input schema accepts", async () => {
    const f = await createFixture({
      template: TEMPLATE,
      variables: [...VARIABLES.slice(0, 3), { name: "data", type: "json" as const, example: '{"k":[1]}' }],
    });
    const d = await (await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: f.key })).json();
    const curl = workflowSnippets({ baseUrl: "https://flowgate.example", workflowId: f.workflowId, variables: d.variables }).find(
      (s) => s.id === "curl",
    )!.code;
    const body = JSON.parse(/--data '([^']*)'/.exec(curl)![1]!);
    expect(body).toEqual({ count: 1, loud: true, level: "easy", data: { k: [1] }, topic: "your topic" });
    expect(new Ajv2020({ strict: false }).compile(d.input_schema)(body)).toBe(true);
  });

  it("an enum needs its values; an unknown type is refused", async () => {
    await expect(createFixture({ template: "{{x}}", variables: [{ name: "x", type: "enum" }] })).rejects.toThrow(
      /enum variable needs its values/,
    );
    await expect(createFixture({ template: "{{x}}", variables: [{ name: "x", type: "date" as never }] })).rejects.toThrow(
      /must be one of text, number, boolean, enum, json, image/,
    );
  });

  it("admin CLI: --var name:type, --var level:enum:a|b|c (repeatable)", async () => {
    const org = await runAdminCommand(["org", "create", "--name", "CLI", "--credits", "100"]);
    const wf = await runAdminCommand([
      "workflow",
      "create",
      "--org",
      String(org.org_id),
      "--name",
      "Typed",
      "--template",
      "{{n}} {{level}} {{t}}",
      "--publish",
      "--var",
      "n:number",
      "--var",
      "level:enum:a|b|c",
    ]);
    const key = await runAdminCommand(["key", "create", "--org", String(org.org_id)]);
    const d = await (await apiRequest(`/api/v1/workflows/${wf.workflow_id}`, { key: String(key.key) })).json();
    expect(d.variables.map((v: { name: string; type: string; values?: string[] }) => [v.name, v.type, v.values])).toEqual([
      ["n", "number", undefined],
      ["level", "enum", ["a", "b", "c"]],
      ["t", "text", undefined],
    ]);
    for (const bad of [
      ["--var", "n:date"],
      ["--var", "level:enum:"],
      ["--var", ":number"],
      ["--var", "n:number", "--var", "n:boolean"],
    ]) {
      await expect(
        runAdminCommand(["workflow", "create", "--org", String(org.org_id), "--name", "x", "--template", "{{n}}", ...bad]),
      ).rejects.toThrow(/--var/);
    }
  });
});
