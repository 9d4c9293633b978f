import http from "node:http";
import { describe, expect, inject, it } from "vitest";

// Random and malicious inputs against the production server (`next start`). The contract: never
// a 500, never a hang — a documented status with the seed's error shape and a message saying what
// is wrong. The workflow is the offline one ("Echo {{story}}"), so no upstream is involved.

const e2e = inject("e2e");
const server = { url: e2e.baseUrl };
const f = { workflowId: e2e.offlineId, key: e2e.key };

/** A small seeded PRNG so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

type Raw = { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string };

function send(r: Raw): Promise<{ status: number; body: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const u = new URL(server.url + r.path);
    // A fresh connection per request: a refused body (413) leaves its socket unusable for the next one.
    const req = http.request(
      { host: u.hostname, port: u.port, path: r.path, method: r.method, headers: r.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
        res.on("error", reject);
      },
    );
    req.on("error", (e) => resolve({ status: -1, body: String(e), ms: Date.now() - t0 }));
    req.setTimeout(15_000, () => req.destroy(new Error("hang")));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

const rnd = prng(20261122);
function pick<T>(xs: T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}
const randomString = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rnd() * 0xd7ff))).join("");
const values = (): unknown =>
  pick([
    "",
    "x",
    0,
    -1,
    1e308,
    true,
    false,
    null,
    [],
    {},
    [1, 2],
    { a: { b: [] } },
    randomString(50),
    "\u0000",
    "😀".repeat(100),
    "{{story}}",
    "${process.env.OPENAI_API_KEY}",
    "<script>alert(1)</script>",
    "'; drop table runs; --",
  ]);

// Aimed at names the server reads off plain objects when they are absent: the query's pins
// (`label`, `version`), the run body's options and a variable. Were any to land on the server's
// Object.prototype, an unpinned call would run the polluted pin (a 404) or take the polluted value.
const POLLUTED = {
  label: "polluted",
  version: "7",
  story: "polluted",
  session_id: "polluted",
  user: "polluted",
  protocol: "sse",
  ttl: "1",
};
const POLLUTING_BODIES = [
  `{"__proto__": ${JSON.stringify(POLLUTED)}}`,
  `{"constructor": {"prototype": ${JSON.stringify(POLLUTED)}}}`,
  `{"story": "a", "extra": {"__proto__": ${JSON.stringify(POLLUTED)}}, "parameters": {"constructor": {"prototype": ${JSON.stringify(POLLUTED)}}}}`,
  `{"messages": [{"role": "user", "content": "hi", "__proto__": ${JSON.stringify(POLLUTED)}}]}`,
];
const POLLUTING_QUERIES = Object.entries(POLLUTED).flatMap(([k, v]) => [
  `__proto__[${k}]=${v}`,
  `constructor[prototype][${k}]=${v}`,
  `__proto__.${k}=${v}`,
]);

function randomBody(): Buffer | string {
  switch (Math.floor(rnd() * 12)) {
    case 0:
      return JSON.stringify({ story: values() });
    case 1:
      return pick(POLLUTING_BODIES);
    case 2:
      return '{"__proto__": {"story": "x"}, "constructor": {"prototype": {"tone": "y"}}}';
    case 3:
      return "[".repeat(100_000) + "]".repeat(100_000);
    case 4:
      return '{"a":' + '{"a":'.repeat(5000) + "1" + "}".repeat(5001);
    case 5:
      return Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]); // invalid UTF-8
    case 6:
      return JSON.stringify(values());
    case 7:
      return randomString(200);
    case 8:
      return JSON.stringify({ story: "x".repeat(Math.floor(rnd() * 2_000_000)) });
    case 9:
      return "";
    case 10:
      return JSON.stringify({ messages: pick([5, "x", [{}], [{ role: "hacker" }], [{ role: "user", parts: "nope" }], [null]]) });
    default:
      return JSON.stringify({ story: "a", extra: { deep: values() }, parameters: values() });
  }
}

// (A raw "../" would leave /api/v1 altogether — a page route, not this API — so traversal is tried encoded.)
const ODD_IDS = [
  "wf_x",
  "..%2F..%2Fetc%2Fpasswd",
  "%00",
  "wf_" + "a".repeat(5000),
  "wf_%F0%9F%98%80",
  "'or'1'='1",
  "wf_ZZZZZZZZZZZZZZZZZZZZZZZZ",
  "%2e%2e%2f",
];
const ODD_QUERIES = [
  "?token=",
  "?token=pub_tok_" + "x".repeat(32),
  "?protocol=<script>",
  "?protocol=sse&protocol=ui",
  "?ttl=1e309",
  "?ttl=-0",
  "?ttl=%00",
  "?token=%E0%A4%A",
];

describe("fuzzed input", () => {
  it("600 random and malicious requests: documented 4xx (or 200), seed error shape, never a 500 or a hang", async () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const kind = Math.floor(rnd() * 4);
      const wf = rnd() < 0.7 ? f.workflowId : pick(ODD_IDS);
      const r: Raw =
        kind === 0
          ? {
              method: "POST",
              path: `/api/v1/run/${wf}`,
              headers: {
                authorization: `Bearer ${f.key}`,
                "content-type": pick([
                  "application/json",
                  "text/plain",
                  "multipart/form-data",
                  "application/x-www-form-urlencoded",
                  "image/png",
                ]),
              },
              body: randomBody(),
            }
          : kind === 1
            ? {
                method: "POST",
                path: `/api/v1/run/${wf}/stream${pick(ODD_QUERIES)}`,
                headers: { "content-type": "application/json" },
                body: randomBody(),
              }
            : kind === 2
              ? {
                  method: "GET",
                  path: `/api/v1/token${pick(ODD_QUERIES)}`,
                  headers: {
                    authorization: pick([
                      `Bearer ${f.key}`,
                      "Bearer",
                      "Bearer  ",
                      `bearer ${f.key}`,
                      "Basic x",
                      `Bearer ${f.key}x`,
                      "Bearer sk_" + "\u00e9".repeat(32),
                    ]),
                  },
                }
              : {
                  method: "POST",
                  path: `/api/v1/run/${wf}/stream?protocol=${pick(["text", "ui", "sse"])}`,
                  headers: { authorization: `Bearer ${f.key}` },
                  body: randomBody(),
                };
      const res = await send(r);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      expect(res.status, `${r.method} ${r.path.slice(0, 80)} → ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
      expect([200, 400, 401, 404, 413, 429], `${r.method} ${r.path.slice(0, 120)} → ${res.status} ${res.body.slice(0, 300)}`).toContain(
        res.status,
      );
      if (res.status >= 400) {
        const body = JSON.parse(res.body);
        expect(body.success).toBe(false);
        expect(typeof body.error).toBe("string");
        expect(body.error.length).toBeGreaterThan(0);
        expect(typeof body.code).toBe("string");
        expect(res.body).not.toContain(f.key);
      }
      expect(res.ms).toBeLessThan(15_000);
    }
    // The run must have exercised successes and each class of refusal.
    expect(seen.get(200)).toBeGreaterThan(0);
    expect(seen.get(400)).toBeGreaterThan(0);
    expect(seen.get(401)).toBeGreaterThan(0);
    expect(seen.get(404)).toBeGreaterThan(0);
    expect(seen.get(413)).toBeGreaterThan(0);
  }, 240_000);

  it("a 10 MB body is refused early with 413, before it is read", async () => {
    const res = await send({
      method: "POST",
      path: `/api/v1/run/${f.workflowId}`,
      headers: { authorization: `Bearer ${f.key}`, "content-type": "application/json", "content-length": String(10_000_000) },
      body: "{",
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ success: false, code: "payload_too_large" });
  });

  it("prototype-pollution payloads are data, not variables, and change nothing the server does afterwards", async () => {
    const auth = { authorization: `Bearer ${f.key}`, "content-type": "application/json" };
    const run = () => send({ method: "POST", path: `/api/v1/run/${f.workflowId}`, headers: auth, body: '{"story": "a"}' });
    const missing = () => send({ method: "POST", path: `/api/v1/run/${f.workflowId}`, headers: auth, body: "{}" });
    const baseline = await run();
    expect(baseline.status).toBe(200);

    const polluting = await send({
      method: "POST",
      path: `/api/v1/run/${f.workflowId}`,
      headers: auth,
      body: '{"__proto__": {"story": "x"}}',
    });
    expect(polluting.status).toBe(400);
    expect(JSON.parse(polluting.body).error).toBe("Missing required parameter: story");
    const statuses: number[] = [];
    for (const body of POLLUTING_BODIES) {
      for (const path of [
        `/api/v1/run/${f.workflowId}`,
        `/api/v1/run/${f.workflowId}/stream?protocol=text`,
        `/api/v1/run/${f.workflowId}/stream?protocol=ui`,
      ]) {
        statuses.push((await send({ method: "POST", path, headers: auth, body })).status);
      }
    }
    for (const q of POLLUTING_QUERIES) {
      statuses.push(
        (await send({ method: "POST", path: `/api/v1/run/${f.workflowId}?${q}`, headers: auth, body: '{"story": "a"}' })).status,
      );
      statuses.push((await send({ method: "GET", path: `/api/v1/token?${q}`, headers: auth })).status);
    }

    // The same calls as before answer as before: the server process's Object.prototype has no
    // `label`/`version` (else this unpinned call would run a pin that does not exist) and no `story`.
    const after = await run();
    expect(after.status, after.body).toBe(200);
    expect(JSON.parse(after.body).result).toBe(JSON.parse(baseline.body).result);
    const stillMissing = await missing();
    expect(stillMissing.status, stillMissing.body).toBe(400);
    expect(JSON.parse(stillMissing.body).error).toBe("Missing required parameter: story");
    const described = await send({ method: "GET", path: `/api/v1/workflows/${f.workflowId}`, headers: auth });
    expect(described.status, described.body).toBe(200);
    expect(statuses.filter((st) => st >= 500 || st < 200)).toEqual([]);
  });
});
