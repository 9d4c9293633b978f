import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/auth/api-keys";
import type { ApiRoute } from "@/lib/api/route";
import { createFixture } from "../support/fixtures";
import { apiRequest, ROUTES } from "../support/routes";

// Every route the app serves × every kind of caller: a run key, an admin key, an admin+run key
// and a stream token. The table below is the decision (README, "Management API (CI)": keys are
// `run` only by default; an admin key without `run` is 403 on /run, /stream, /token and the OpenAI
// surface, and does not read runs, sessions or usage either). A route missing from it fails here.

type Needs = "run" | "admin" | "run or admin" | "signed-in user" | "public" | "Stripe's signature";
const DECISIONS: Record<string, Needs> = {
  "POST /api/v1/run/{workflow_id}": "run",
  "POST /api/v1/run/{workflow_id}/stream": "run",
  "GET /api/v1/token": "run",
  "GET /api/v1/runs": "run",
  "GET /api/v1/runs/{run_id}": "run",
  "POST /api/v1/runs/{run_id}/cancel": "run",
  // Continues a run the caller could start: the same scope as POST /run, and the run must be visible to it (org, workflows, end user).
  "POST /api/v1/runs/{run_id}/tool_outputs": "run",
  // Org-wide secret: admin keys not restricted to some workflows.
  "GET /api/v1/tools/signing-secret": "admin",
  "POST /api/v1/tools/signing-secret/rotate": "admin",
  "POST /api/v1/runs/{run_id}/feedback": "run",
  "GET /api/v1/runs/{run_id}/stream": "run",
  "GET /api/v1/sessions/{session_id}": "run",
  "GET /api/v1/usage": "run",
  "GET /api/v1/workflows/{workflow_id}": "run or admin",
  "GET /api/v1/workflows/{workflow_id}/export": "run or admin",
  "GET /api/v1/workflows": "admin",
  "POST /api/v1/workflows": "admin",
  "PATCH /api/v1/workflows/{workflow_id}": "admin",
  "POST /api/v1/workflows/{workflow_id}/publish": "admin",
  "POST /api/v1/workflows/{workflow_id}/labels/{label}": "admin",
  "POST /api/v1/workflows/{workflow_id}/labels/{label}/promote": "admin",
  "POST /api/v1/openai/chat/completions": "run",
  "POST /api/v1/openai/responses": "run",
  "GET /api/v1/openai/models": "run",
  "POST /api/v1/workflows/{workflow_id}/evals": "admin",
  "GET /api/v1/evals/{eval_id}": "admin",
  "GET /api/v1/billing": "admin",
  "POST /api/v1/billing/checkout": "admin",
  "PATCH /api/v1/billing/auto-top-up": "admin",
  "GET /api/v1/budgets": "admin",
  "POST /api/v1/budgets": "admin",
  "PATCH /api/v1/budgets/{budget_id}": "admin",
  "DELETE /api/v1/budgets/{budget_id}": "admin",
  "POST /api/webhooks/stripe": "Stripe's signature",
  "GET /api/v1/openapi.json": "public",
  "GET /api/health": "public",
  "POST /api/playground/{workflow_id}": "signed-in user",
  "POST /api/playground/{workflow_id}/compare": "signed-in user",
};

type Caller = "run key" | "admin key" | "admin+run key" | "stream token";
const CALLERS: Caller[] = ["run key", "admin key", "admin+run key", "stream token"];
const SCOPES_OF: Record<Caller, string[]> = {
  "run key": ["run"],
  "admin key": ["admin"],
  "admin+run key": ["admin", "run"],
  "stream token": ["run"],
};

/** Every apiRoute handler of every app/api route module. */
async function servedRoutes(): Promise<ApiRoute[]> {
  const out: ApiRoute[] = [];
  for (const r of ROUTES) {
    for (const handler of Object.values(await r.load()))
      if (typeof handler === "function" && "spec" in handler && !out.includes(handler as ApiRoute)) out.push(handler as ApiRoute);
  }
  return out;
}

/** Path parameters that exist nowhere: a caller let through gets a 404 (or a 400), never a run. */
const fill = (path: string) =>
  path
    .replace("{workflow_id}", "wf_nosuchworkflow00000000000")
    .replace("{run_id}", "run_nosuchrun")
    .replace("{session_id}", "chat_none")
    .replace("{label}", "staging")
    .replace("{budget_id}", "bud_nosuchbudget0000000000000");
const BODY: Record<string, unknown> = {
  "POST /api/v1/openai/chat/completions": { model: "wf_nosuchworkflow00000000000", messages: [{ role: "user", content: "hi" }] },
  "POST /api/v1/openai/responses": { prompt: { id: "wf_nosuchworkflow00000000000" } },
  "POST /api/v1/runs/{run_id}/feedback": { score: 1 },
  "POST /api/v1/workflows/{workflow_id}/labels/{label}": { version: 1 },
  "POST /api/v1/workflows/{workflow_id}/labels/{label}/promote": { version: 1 },
  "POST /api/v1/workflows": { name: "x" },
  "POST /api/v1/budgets": { scope: "org", credits: 10, period: "day" },
};

let f: Awaited<ReturnType<typeof createFixture>>;
const keys = {} as Record<Exclude<Caller, "stream token">, string>;
beforeAll(async () => {
  f = await createFixture();
  keys["run key"] = f.key;
  keys["admin key"] = (await createApiKey({ orgId: f.orgId, scopes: ["admin"] })).key;
  keys["admin+run key"] = (await createApiKey({ orgId: f.orgId, scopes: ["admin", "run"] })).key;
});

async function call(route: ApiRoute, caller: Caller) {
  const id = `${route.spec.method} ${route.spec.path}`;
  let path = fill(route.spec.path);
  let key: string | undefined;
  if (caller === "stream token") {
    const minted = await apiRequest("/api/v1/token?ttl=60", { key: f.key });
    path += `${path.includes("?") ? "&" : "?"}token=${(await minted.json()).token}`;
  } else key = keys[caller];
  const res = await apiRequest(path, { method: route.spec.method, key, json: route.spec.method === "GET" ? undefined : (BODY[id] ?? {}) });
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text() };
}

describe("every route decides what a key or token needs", () => {
  it("the decision table names every served route, and each route's spec says the same", async () => {
    const routes = await servedRoutes();
    expect(routes.map((r) => `${r.spec.method} ${r.spec.path}`).sort()).toEqual(Object.keys(DECISIONS).sort());
    for (const r of routes) {
      const decided = DECISIONS[`${r.spec.method} ${r.spec.path}`];
      const needs = r.spec.needs === undefined ? undefined : typeof r.spec.needs === "string" ? r.spec.needs : r.spec.needs.join(" or ");
      if (decided === "public" || decided === "Stripe's signature") expect(r.spec.auth).toBe("none");
      else if (decided === "signed-in user") expect(r.spec.auth).toBe("user");
      else expect(needs, `${r.spec.method} ${r.spec.path}`).toBe(decided);
    }
  });

  it("route × {run key, admin key, admin+run key, stream token}: the documented answer", async () => {
    const seen: string[] = [];
    for (const route of await servedRoutes()) {
      const id = `${route.spec.method} ${route.spec.path}`;
      const decided = DECISIONS[id]!;
      for (const caller of CALLERS) {
        const { status, body } = await call(route, caller);
        const at = `${caller} → ${id}`;
        seen.push(`${at}: ${status}`);
        if (decided === "public") {
          expect([200, 503], at).toContain(status);
          continue;
        }
        // No key or token opens it: unsigned is a 400 (503 where Stripe is not configured).
        if (decided === "Stripe's signature") {
          expect([400, 503], at).toContain(status);
          continue;
        }
        // A stream token is accepted only where a token is (streamTokenOrKey); a signed-in user's route takes neither.
        const credentialFits = decided !== "signed-in user" && (caller !== "stream token" || route.spec.auth === "streamTokenOrKey");
        if (!credentialFits) {
          expect(status, at).toBe(401);
          continue;
        }
        const allowed = decided.split(" or ").some((s) => SCOPES_OF[caller].includes(s));
        if (allowed) {
          expect([401, 403], at).not.toContain(status);
          expect(status, at).toBeLessThan(500);
          continue;
        }
        expect(status, at).toBe(403);
        const message = expect.stringContaining(`no ${decided} scope`);
        if (route.spec.errors === "openai")
          expect(body, at).toMatchObject({ error: { message, type: "invalid_request_error", code: "forbidden" } });
        else expect(body, at).toEqual({ success: false, code: "forbidden", error: message, request_id: expect.stringMatching(/^req_/) });
      }
    }
    if (process.env.SCOPES_TABLE) console.info(seen.join("\n"));
    expect(seen.length).toBe(Object.keys(DECISIONS).length * CALLERS.length);
  });
});
