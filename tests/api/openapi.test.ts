import { validate } from "@readme/openapi-parser";
import { Ajv2020 } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { apiDocument } from "@/lib/api/openapi/document";
import type { OpenApiDocument } from "@/lib/api/openapi/build-document";
import { createFixture } from "../support/fixtures";
import { API_ROUTES } from "@/lib/api/endpoints";
import type { ApiRoute } from "@/lib/api/route";
import { apiRequest, ROUTES, urlPathOf } from "../support/routes";

// The API document (GET /api/v1/openapi.json) is generated from the routes' own specs
// (lib/api/endpoints: method, path, auth, the zod schemas they parse and answer with). These tests keep it honest:
// it matches the route files on disk, it is valid OpenAPI 3.1 whose schemas compile as JSON Schema
// 2020-12, and the real routes accept its examples and answer what it describes.

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;
/** Route folders that are not the public API: better-auth's dashboard endpoints and benchmark probes. */
const NOT_API = [/^\/api\/auth\//, /^\/api\/bench\//];

const doc = apiDocument();

describe("the OpenAPI document is the routes' own specs", () => {
  it("every exported method of every app/api route is an apiRoute whose spec names that file's path; the documented ones are exactly API_ROUTES", async () => {
    const onDisk: ApiRoute[] = [];
    for (const r of ROUTES) {
      const urlPath = urlPathOf(r.file);
      if (NOT_API.some((re) => re.test(urlPath + "/"))) continue;
      const mod = (await r.load()) as Record<string, unknown>;
      for (const m of METHODS) {
        const handler = mod[m] as ApiRoute | undefined;
        if (!handler) continue;
        expect(handler.spec, `${m} ${urlPath} is made by apiRoute`).toBeDefined();
        expect(`${handler.spec.method} ${handler.spec.path}`).toBe(`${m} ${urlPath.replace(/\[([^\]]+)\]/g, "{$1}")}`);
        onDisk.push(handler);
      }
    }
    // OPTIONS (CORS preflight) is an answer of the transport, not an operation.
    const documented = onDisk.filter((h) => h.spec.doc);
    expect(documented.length).toBeGreaterThanOrEqual(12);
    expect(new Set(documented)).toEqual(new Set(API_ROUTES));
    // The undocumented routes: the dashboard's own playground and Compare (session-authorised) and Stripe's
    // webhook (Stripe is its only caller, its signature the credential).
    expect(
      onDisk
        .filter((h) => !h.spec.doc)
        .map((h) => h.spec.path)
        .sort(),
    ).toEqual(["/api/playground/{workflow_id}", "/api/playground/{workflow_id}/compare", "/api/webhooks/stripe"]);
    const paths = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(paths).toEqual(API_ROUTES.map((h) => `${h.spec.method} ${h.spec.path}`).sort());
  });
});

describe("the OpenAPI document is valid", () => {
  it("is valid OpenAPI 3.1 (@readme/openapi-parser)", async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe("OpenAPI");
    expect(doc.openapi).toBe("3.1.0");
  });

  it("every schema compiles as JSON Schema 2020-12 (Ajv, strict)", () => {
    const ajv = newAjv();
    const schemas = collectSchemas(doc);
    expect(schemas.length).toBeGreaterThan(40);
    for (const { where, schema } of schemas) expect(() => ajv.compile(schema), where).not.toThrow();
  });
});

describe("the document describes what the routes do", () => {
  let f: Awaited<ReturnType<typeof createFixture>>;
  beforeAll(async () => {
    f = await createFixture({ template: "Write {{story}}" });
  });
  const ajv = newAjv();
  const fill = (p: string) => p.replace("{workflow_id}", f.workflowId);

  /** Validates a real response against the documented schema of its operation and status. */
  async function expectDocumented(method: string, docPath: string, res: Response) {
    const op = doc.paths[docPath]![method]!;
    const documented = op.responses[String(res.status)];
    expect(documented, `${method} ${docPath} documents ${res.status}`).toBeDefined();
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
    const media = Object.entries(documented!.content ?? {}).find(([k]) => k.split(";")[0] === type);
    expect(media, `${method} ${docPath} ${res.status} documents ${type}`).toBeDefined();
    for (const h of Object.keys(documented!.headers ?? {})) {
      if (h === "X-Vercel-AI-UI-Message-Stream" || h === "X-Vercel-AI-Data-Stream" || h === "Retry-After") continue; // protocol- or status-specific
      expect(res.headers.get(h), `${method} ${docPath} header ${h}`).not.toBeNull();
    }
    if (type !== "application/json") return res.text();
    const body = await res.json();
    const validateBody = ajv.compile(resolveForAjv((media![1] as { schema: object }).schema));
    expect(validateBody(body) ? [] : validateBody.errors, `${method} ${docPath} ${res.status} body`).toEqual([]);
    return body;
  }

  it("POST /run: every documented body example is accepted, and the 200 is the documented RunWorkflowResponse", async () => {
    const op = doc.paths["/api/v1/run/{workflow_id}"]!.post!;
    for (const [name, ex] of Object.entries(op.requestBody!.content["application/json"]!.examples)) {
      const res = await apiRequest(fill("/api/v1/run/{workflow_id}"), { method: "POST", json: ex.value, key: f.key });
      expect(res.status, name).toBe(200);
      const body = await expectDocumented("post", "/api/v1/run/{workflow_id}", res);
      expect(body.result).toBe("Write a story about a dog named charlie");
    }
  });

  it("POST /run/stream: every documented example streams in its protocol, with the documented media type and headers", async () => {
    const op = doc.paths["/api/v1/run/{workflow_id}/stream"]!.post!;
    const accept: Record<string, string> = { text: "text/plain", sse: "text/event-stream", ui: "*/*", data: "*/*" };
    for (const [name, ex] of Object.entries(op.requestBody!.content["application/json"]!.examples)) {
      const res = await apiRequest(fill("/api/v1/run/{workflow_id}/stream"), {
        method: "POST",
        json: ex.value,
        key: f.key,
        headers: { accept: accept[name]! },
      });
      expect(res.status, name).toBe(200);
      const text = (await expectDocumented("post", "/api/v1/run/{workflow_id}/stream", res)) as string;
      // SSE and UI frame each token of the offline model (4 characters) as a JSON string.
      expect(text, name).toContain(name === "text" ? "dog named charlie" : '"char"');
      if (name === "ui") expect(res.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
      if (name === "data") expect(res.headers.get("x-vercel-ai-data-stream")).toBe("v1");
      if (name === "sse") {
        const done = /event: done\ndata: (.*)\n/.exec(text)![1]!;
        const v = ajv.compile(resolveForAjv({ $ref: "#/components/schemas/SseDoneEvent" }));
        expect(v(JSON.parse(done)) ? [] : v.errors).toEqual([]);
      }
    }
  });

  it("the JSON endpoints answer their documented response schemas", async () => {
    const run = await (
      await apiRequest(fill("/api/v1/run/{workflow_id}"), {
        method: "POST",
        json: { story: "x", session_id: "oa_1", user: "alice" },
        key: f.key,
      })
    ).json();
    const calls: Array<[string, string, string]> = [
      ["get", "/api/v1/token", "/api/v1/token?ttl=30&user=alice"],
      ["get", "/api/v1/runs", "/api/v1/runs?limit=2"],
      ["get", "/api/v1/runs/{run_id}", `/api/v1/runs/${run.run_id}`],
      ["post", "/api/v1/runs/{run_id}/cancel", `/api/v1/runs/${run.run_id}/cancel`], // 409 run_not_running
      ["get", "/api/v1/sessions/{session_id}", "/api/v1/sessions/oa_1"],
      ["get", "/api/v1/usage", "/api/v1/usage?group_by=user"],
      ["get", "/api/v1/workflows/{workflow_id}", fill("/api/v1/workflows/{workflow_id}?version=1")],
      ["get", "/api/v1/workflows/{workflow_id}", "/api/v1/workflows/wf_nope"], // 404 workflow_not_found
      ["get", "/api/v1/usage", "/api/v1/usage?group_by=team"], // 400
      ["get", "/api/v1/openapi.json", "/api/v1/openapi.json"],
    ];
    const statuses: number[] = [];
    for (const [method, docPath, url] of calls) {
      const res = await apiRequest(url, { method: method.toUpperCase(), key: f.key });
      statuses.push(res.status);
      await expectDocumented(method, docPath, res);
    }
    expect(statuses).toEqual([200, 200, 200, 409, 200, 200, 200, 404, 400, 200]);
    const unauthorized = await apiRequest("/api/v1/runs", { key: "sk_wrong" });
    expect(unauthorized.status).toBe(401);
    await expectDocumented("get", "/api/v1/runs", unauthorized);
  });

  it("GET /api/v1/openapi.json is public, CORS-open and cacheable", async () => {
    const res = await apiRequest("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

function newAjv() {
  return new Ajv2020({
    strict: true,
    allowUnionTypes: true,
    allErrors: true,
    formats: { "date-time": (s: string) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), date: /^\d{4}-\d{2}-\d{2}$/ },
  });
}

/** A schema with the document's components beside it, so that its #/components/… refs resolve. */
function resolveForAjv(schema: object) {
  function rewrite<T>(s: T): T {
    return JSON.parse(JSON.stringify(s).replaceAll('"#/components/schemas/', '"#/$defs/'));
  }
  return { ...rewrite(schema), $defs: rewrite(doc.components.schemas) };
}

/** Every schema in the document: components, parameters, request bodies, response bodies. */
function collectSchemas(d: OpenApiDocument) {
  const out: Array<{ where: string; schema: object }> = [];
  for (const [name, s] of Object.entries(d.components.schemas)) out.push({ where: `components.schemas.${name}`, schema: resolveForAjv(s) });
  for (const [p, ops] of Object.entries(d.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      for (const prm of op.parameters ?? []) out.push({ where: `${m} ${p} ${prm.in} ${prm.name}`, schema: prm.schema });
      for (const [mt, c] of Object.entries(op.requestBody?.content ?? {}))
        out.push({ where: `${m} ${p} body ${mt}`, schema: resolveForAjv(c.schema) });
      for (const [st, r] of Object.entries(op.responses)) {
        for (const [mt, c] of Object.entries(r.content ?? {}))
          out.push({ where: `${m} ${p} ${st} ${mt}`, schema: resolveForAjv(c.schema as object) });
      }
    }
  }
  return out;
}
