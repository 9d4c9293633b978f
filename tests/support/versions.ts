import { createVersionedFixture, type VersionedFixtureOptions } from "./fixtures";
import { apiRequest } from "./routes";

/**
 * A published workflow with versions 1..n whose templates say which version ran ("vN {{story}}"),
 * with its calls through the route modules: `?version=` / `?label=` go in `q`.
 */
export async function withVersions(n: number, opts: VersionedFixtureOptions = {}) {
  const f = await createVersionedFixture(n, opts);
  /** POST /run; `version` is the version that answered, read from the output. */
  const run = async (q = "", json: Record<string, unknown> = {}) => {
    const res = await apiRequest(`/api/v1/run/${f.workflowId}${q}`, { method: "POST", key: f.key, json: { story: "x", ...json } });
    const body = await res.json();
    return { status: res.status, body, version: /^v(\d+) /.exec(body.result ?? "")?.[1] };
  };
  /** POST /run/stream (the text protocol): the streamed text. */
  const stream = async (q = "", story = "y") =>
    (await apiRequest(`/api/v1/run/${f.workflowId}/stream${q}`, { method: "POST", key: f.key, json: { story } })).text();
  /** GET /workflows/:id */
  const describeIt = async (q = "") => {
    const res = await apiRequest(`/api/v1/workflows/${f.workflowId}${q}`, { key: f.key });
    return { status: res.status, body: await res.json() };
  };
  /** GET /runs/:id */
  const record = async (runId: string) => (await apiRequest(`/api/v1/runs/${runId}`, { key: f.key })).json();
  return { ...f, run, stream, describeIt, record };
}
