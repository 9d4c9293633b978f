import { beforeAll, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// The query and body checks moved from hand-written code into zod schemas (lib/*/schemas.ts) so
// that the OpenAPI document is generated from what is parsed. Their answers are a contract: these
// are the exact messages the hand-written checks gave.
let f: Awaited<ReturnType<typeof createFixture>>;
beforeAll(async () => {
  f = await createFixture({ template: "Write {{story}}" });
});

const post = (path: string, json: unknown) => apiRequest(path, { method: "POST", json, key: f.key });
const get = (path: string) => apiRequest(path, { key: f.key });

describe("input validation keeps its messages", () => {
  const TTL = "ttl must be an integer number of seconds from 1 to 3600";
  const VERSION = "version must be a positive integer (a published version number)";
  const SESSION = "session_id must be 1-200 characters of letters, digits, _ . : -";
  const cases: Array<{ name: string; req: () => Promise<Response>; error: string }> = [
    ...["0", "3601", "abc", "1.5", "-1", "1e2", " 5"].map((ttl) => ({
      name: `ttl=${ttl}`,
      req: () => get(`/api/v1/token?ttl=${encodeURIComponent(ttl)}`),
      error: TTL,
    })),
    ...["0", "01", "x", "", "1000000000"].map((v) => ({
      name: `run ?version=${v}`,
      req: () => post(`/api/v1/run/${f.workflowId}?version=${v}`, { story: "x" }),
      error: VERSION,
    })),
    { name: "workflows ?version=-1", req: () => get(`/api/v1/workflows/${f.workflowId}?version=-1`), error: VERSION },
    {
      name: "stream ?protocol=xml",
      req: () => post(`/api/v1/run/${f.workflowId}/stream?protocol=xml`, { story: "x" }),
      error: "protocol must be one of text, ui, sse, data",
    },
    { name: "run session_id: 5", req: () => post(`/api/v1/run/${f.workflowId}`, { story: "x", session_id: 5 }), error: SESSION },
    {
      name: "stream session_id with a space",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { story: "x", session_id: "a b" }),
      error: SESSION,
    },
    { name: "GET /sessions/bad id", req: () => get(`/api/v1/sessions/${"x".repeat(201)}`), error: SESSION },
    {
      name: "parameters: []",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { parameters: [] }),
      error: "parameters must be an object",
    },
    {
      name: "parameters: null",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { parameters: null }),
      error: "parameters must be an object",
    },
    { name: "messages: {}", req: () => post(`/api/v1/run/${f.workflowId}/stream`, { messages: {} }), error: "messages must be an array" },
    {
      name: "messages: 501",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { messages: Array(501).fill({ role: "user", content: "x" }) }),
      error: "messages may hold at most 500 messages",
    },
    {
      name: "messages[1]: 5",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { messages: [{ role: "user", content: "x" }, 5] }),
      error: "messages[1] must be an object",
    },
    {
      name: "messages[0]: []",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { messages: [[]] }),
      error: "messages[0].role must be user, assistant or system",
    },
    {
      name: "messages[0].role: tool",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { messages: [{ role: "tool" }] }),
      error: "messages[0].role must be user, assistant or system",
    },
    {
      name: "session_id before messages",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { session_id: "", messages: 1 }),
      error: SESSION,
    },
    { name: "/runs limit=0", req: () => get("/api/v1/runs?limit=0"), error: "limit must be an integer from 1 to 100" },
    { name: "/usage group_by=team", req: () => get("/api/v1/usage?group_by=team"), error: "group_by must be one of user, key, workflow" },
  ];
  it.each(cases)("$name → 400 with the exact message", async ({ req, error }) => {
    const res = await req();
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, code: "invalid_request", error });
  });

  it("what is not checked stays unchecked: a non-string user, id or query, and non-variable keys of any type", async () => {
    const res = await post(`/api/v1/run/${f.workflowId}/stream?protocol=text&resumable=yes`, {
      story: "x",
      user: 5,
      id: 1,
      trigger: null,
      query: [],
      extra: { deep: [1] },
      parameters: { other: { a: 1 } },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Write x");
    const run = await post(`/api/v1/run/${f.workflowId}`, { story: true, user: { a: 1 } });
    expect(await run.json()).toMatchObject({ success: true, result: "Write true" });
  });
});

// Issue 14.7: each of these answered 500 (PostgreSQL cannot store a NUL or an unpaired surrogate;
// a forged cursor or a year-0 date reached the query). Each is now a 400 in the documented shape.
describe("malformed input is a 400, never a 500", () => {
  const cursor = (s: string) => Buffer.from(s).toString("base64url");
  const cases: Array<{ name: string; req: () => Promise<Response>; error: string | RegExp }> = [
    {
      name: "NUL in the body's user (/run)",
      req: () => post(`/api/v1/run/${f.workflowId}`, { story: "x", user: "a\u0000b" }),
      error: "user must not contain NUL characters",
    },
    {
      name: "NUL in the body's user (/stream)",
      req: () => post(`/api/v1/run/${f.workflowId}/stream`, { story: "x", user: "a\u0000b" }),
      error: "user must not contain NUL characters",
    },
    { name: "GET /token?user=a%00b", req: () => get("/api/v1/token?user=a%00b"), error: "user must not contain NUL characters" },
    {
      name: "a lone surrogate in a variable",
      req: () => rawPost(`/api/v1/run/${f.workflowId}`, '{"story": "\\ud800x"}'),
      error: /"story" holds an unpaired surrogate/,
    },
    {
      name: "a lone low surrogate in a stream variable",
      req: () => rawPost(`/api/v1/run/${f.workflowId}/stream`, '{"story": "x\\udc00"}'),
      error: /unpaired surrogate/,
    },
    {
      name: "a lone surrogate in messages",
      req: () => rawPost(`/api/v1/run/${f.workflowId}/stream`, '{"messages": [{"role": "user", "content": "\\ud83d"}]}'),
      error: /unpaired surrogate/,
    },
    { name: "/runs?workflow_id=%00", req: () => get("/api/v1/runs?workflow_id=%00"), error: "workflow_id must not contain NUL characters" },
    {
      name: "a cursor with a NUL id",
      req: () => get(`/api/v1/runs?cursor=${cursor(`${new Date().toISOString()}|run_\u0000`)}`),
      error: "cursor is not one this API returned",
    },
    {
      name: "a cursor with an out-of-range date",
      req: () => get(`/api/v1/runs?cursor=${cursor("+275760-09-13T00:00:00.000Z|run_abcdefghijklmnopqrstuvwx")}`),
      error: "cursor is not one this API returned",
    },
    {
      name: "/usage?from=0000-01-01",
      req: () => get("/api/v1/usage?from=0000-01-01"),
      error: "from must be an ISO date or date-time between 1970 and 9999",
    },
  ];
  const rawPost = (path: string, body: string) =>
    apiRequest(path, { method: "POST", body, key: f.key, headers: { "content-type": "application/json" } });
  it.each(cases)("$name → 400", async ({ req, error }) => {
    const res = await req();
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: "invalid_request" });
    if (typeof error === "string") expect(body.error).toBe(error);
    else expect(body.error).toMatch(error);
  });

  it("a surrogate pair (an emoji), escaped or not, is text like any other", async () => {
    const res = await rawPost(`/api/v1/run/${f.workflowId}`, '{"story": "\\ud83d\\ude00 and 😀"}');
    expect(await res.json()).toMatchObject({ success: true, result: "Write 😀 and 😀" });
  });
});
