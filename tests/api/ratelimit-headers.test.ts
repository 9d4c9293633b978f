import { beforeAll, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// Rate-limit headers on every response once the key is known, on all three endpoints, with
// whichever limiter the suite runs on (in-process, or Redis when REDIS_URL is set).
const SEED = {
  unauthorized: { error: "Unauthorized. Please provide a valid secret key.", success: false, code: "unauthorized" },
  billing: { error: "No credits remaining. Please add credits to continue using the service.", success: false, code: "invalid_billing" },
  notFound: { error: "Workflow not found", success: false, code: "workflow_not_found" },
  rateLimited: { error: "Rate limit exceeded", success: false, code: "rate_limited" },
};
const UNKNOWN_WF = "wf_" + "z".repeat(24);

type Fixture = Awaited<ReturnType<typeof createFixture>>;
let f: Fixture;
let broke: Fixture;

/** A key whose limit of 1 is already used up (by minting the token it returns). */
async function exhausted(): Promise<Fixture & { token: string }> {
  const x = await createFixture({ rateLimitPerMinute: 1 });
  const res = await apiRequest("/api/v1/token", { key: x.key });
  expect(res.status).toBe(200);
  return { ...x, token: (await res.json()).token };
}
async function tokenFor(x: Fixture) {
  return (await (await apiRequest("/api/v1/token", { key: x.key })).json()).token as string;
}

const run = (wf: string, key?: string) => apiRequest(`/api/v1/run/${wf}`, { method: "POST", key, json: { story: "x" } });
const stream = (wf: string, token: string) =>
  apiRequest(`/api/v1/run/${wf}/stream?token=${token}`, { method: "POST", json: { story: "x" } });
const mint = (key?: string) => apiRequest("/api/v1/token", { key });

beforeAll(async () => {
  f = await createFixture();
  broke = await createFixture({ credits: 0 });
});

const cases: Array<{ name: string; req: () => Promise<Response>; status: number; body?: object; known: boolean }> = [
  { name: "POST /run 200", req: () => run(f.workflowId, f.key), status: 200, known: true },
  { name: "POST /run 401 (no key)", req: () => run(f.workflowId), status: 401, body: SEED.unauthorized, known: false },
  { name: "POST /run 402", req: () => run(broke.workflowId, broke.key), status: 402, body: SEED.billing, known: true },
  { name: "POST /run 404", req: () => run(UNKNOWN_WF, f.key), status: 404, body: SEED.notFound, known: true },
  {
    name: "POST /run 429",
    req: async () => {
      const x = await exhausted();
      return run(x.workflowId, x.key);
    },
    status: 429,
    body: SEED.rateLimited,
    known: true,
  },
  { name: "GET /token 200", req: () => mint(f.key), status: 200, known: true },
  { name: "GET /token 401 (unknown key)", req: () => mint("sk_" + "a".repeat(32)), status: 401, body: SEED.unauthorized, known: false },
  { name: "GET /token 429", req: async () => mint((await exhausted()).key), status: 429, body: SEED.rateLimited, known: true },
  { name: "POST /stream 200", req: async () => stream(f.workflowId, await tokenFor(f)), status: 200, known: true },
  {
    name: "POST /stream 401 (bad token)",
    req: () => stream(f.workflowId, "pub_tok_" + "0".repeat(32)),
    status: 401,
    body: SEED.unauthorized,
    known: false,
  },
  {
    name: "POST /stream 402",
    req: async () => stream(broke.workflowId, await tokenFor(broke)),
    status: 402,
    body: SEED.billing,
    known: true,
  },
  { name: "POST /stream 404", req: async () => stream(UNKNOWN_WF, await tokenFor(f)), status: 404, body: SEED.notFound, known: true },
  // The token was minted within the key's limit; redeeming it is one more request of that key.
  {
    name: "POST /stream 429",
    req: async () => {
      const x = await exhausted();
      return stream(x.workflowId, x.token);
    },
    status: 429,
    body: SEED.rateLimited,
    known: true,
  },
];

describe("x-ratelimit-* headers", () => {
  it.each(cases)("$name", async ({ req, status, body, known }) => {
    const res = await req();
    expect(res.status).toBe(status);
    const text = await res.text();
    if (body) expect(JSON.parse(text)).toMatchObject(body);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const limit = res.headers.get("x-ratelimit-limit");
    const remaining = res.headers.get("x-ratelimit-remaining");
    const reset = res.headers.get("x-ratelimit-reset");
    if (!known) {
      expect([limit, remaining, reset, res.headers.get("retry-after")]).toEqual([null, null, null, null]);
      return;
    }
    const now = Date.now() / 1000;
    expect(Number(limit)).toBe(status === 429 ? 1 : Number(process.env.RATE_LIMIT_PER_MINUTE));
    expect(Number(remaining)).toBeGreaterThanOrEqual(0);
    expect(Number(remaining)).toBeLessThan(Number(limit));
    // Epoch seconds, at most one window ahead (not milliseconds, not a duration).
    expect(reset).toMatch(/^\d{10}$/);
    expect(Number(reset)).toBeGreaterThanOrEqual(Math.floor(now));
    expect(Number(reset)).toBeLessThanOrEqual(Math.ceil(now) + 60);
    if (status === 429) {
      expect(remaining).toBe("0");
      const retry = Number(res.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      expect(retry).toBeLessThanOrEqual(Number(reset) - Math.floor(now) + 1);
    } else expect(res.headers.get("retry-after")).toBeNull();
  });

  it("a stream token counts against the key that minted it", async () => {
    const x = await createFixture({ rateLimitPerMinute: 10 });
    const minted = await mint(x.key);
    expect(minted.headers.get("x-ratelimit-remaining")).toBe("9");
    const res = await stream(x.workflowId, (await minted.json()).token);
    await res.text();
    expect(res.headers.get("x-ratelimit-limit")).toBe("10");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("8");
    // Another key of the same org has its own budget.
    const other = await createFixture({ rateLimitPerMinute: 10 });
    expect((await mint(other.key)).headers.get("x-ratelimit-remaining")).toBe("9");
    expect((await run(x.workflowId, x.key)).headers.get("x-ratelimit-remaining")).toBe("7");
  });
});
