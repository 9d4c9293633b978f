import { describe, expect, it } from "vitest";
import { API_ROUTES } from "@/lib/api/endpoints";
import { apiRoute, type ApiRoute } from "@/lib/api/route";

// An unexpected error (a driver's, a bug's) is logged and answered with the generic 500, its
// message never sent. On the seeds' endpoints (/run, /stream, /token) the body is the seed's,
// "Failed to run workflow"; elsewhere a run is not what failed (docs/contract.md, Error bodies).
// (Test files share their modules here, so the failure is a handler's, not a mocked module's.)

const LEAK = "connect ECONNREFUSED 10.0.0.5:5432 (password=hunter2)";
const failing = (spec: Partial<ApiRoute["spec"]>) =>
  apiRoute({ method: "GET", path: "/api/v1/failing", auth: "none", ...spec } as Parameters<typeof apiRoute>[0], async () => {
    throw new Error(LEAK);
  });

async function answer(route: ApiRoute) {
  const res = await route(new Request("http://flowgate.test/api/v1/failing"));
  const text = await res.text();
  expect(text).not.toContain("hunter2");
  expect(text).not.toContain("ECONNREFUSED");
  return { status: res.status, body: JSON.parse(text) };
}
const body = (error: string) => ({ success: false, error, code: "internal_server_error", request_id: expect.stringMatching(/^req_/) });

describe("unexpected errors", () => {
  it("only the seeds' endpoints are marked as such", () => {
    expect(
      API_ROUTES.filter((r) => r.spec.seed)
        .map((r) => `${r.spec.method} ${r.spec.path}`)
        .sort(),
    ).toEqual(["GET /api/v1/token", "POST /api/v1/run/{workflow_id}", "POST /api/v1/run/{workflow_id}/stream"]);
  });

  it("a seed's endpoint answers the seed's 500 body; any other a generic internal error, in its envelope", async () => {
    expect(await answer(failing({ seed: true }))).toEqual({ status: 500, body: body("Failed to run workflow") });
    expect(await answer(failing({}))).toEqual({ status: 500, body: body("Internal server error") });
    expect(await answer(failing({ errors: "openai" }))).toEqual({
      status: 500,
      body: {
        error: {
          message: "Internal server error",
          type: "server_error",
          param: null,
          code: null,
          request_id: expect.stringMatching(/^req_/),
        },
      },
    });
  });

  it("the API document shows each operation's own 500", async () => {
    const { apiDocument } = await import("@/lib/api/openapi/document");
    const paths = apiDocument().paths;
    const example500 = (path: string, method: string) =>
      (paths[path]![method]!.responses["500"]!.content!["application/json"] as { examples: Record<string, { value: { error: unknown } }> })
        .examples.internal_server_error!.value.error;
    expect(example500("/api/v1/run/{workflow_id}", "post")).toBe("Failed to run workflow");
    expect(example500("/api/v1/token", "get")).toBe("Failed to run workflow");
    expect(example500("/api/v1/usage", "get")).toBe("Internal server error");
    expect(example500("/api/v1/workflows", "post")).toBe("Internal server error");
  });
});
