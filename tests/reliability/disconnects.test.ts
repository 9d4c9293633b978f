import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { runs } from "@/db/schema";
import { eq } from "drizzle-orm";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// A client that goes away at each stage of a run: the model call is aborted, the run is recorded
// canceled, only produced tokens are charged, and the ledger stays exact.
let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

async function finalRun(orgId: string) {
  const db = await getDb();
  for (let i = 0; i < 100; i++) {
    const [run] = await db.select().from(runs).where(eq(runs.orgId, orgId));
    if (run && run.status !== "running") return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("run never finished");
}

const stages = [
  {
    name: "before the first token (stream)",
    path: "/stream",
    opts: { firstTokenDelayMs: 3000, tokens: 10 },
    abortAfter: "headers-wait",
    produced: 0,
  },
  { name: "mid-generation on POST /run (JSON)", path: "", opts: { tokens: 200, tokenDelayMs: 10 }, abortAfter: 300, produced: "some" },
  {
    name: "after the first SSE chunk",
    path: "/stream?protocol=sse",
    opts: { tokens: 200, tokenDelayMs: 10 },
    abortAfter: "first-chunk",
    produced: "some",
  },
  {
    name: "after the first UI chunk",
    path: "/stream?protocol=ui",
    opts: { tokens: 200, tokenDelayMs: 10 },
    abortAfter: "first-chunk",
    produced: "some",
  },
] as const;

describe("client disconnects at every stage", () => {
  it.each(stages)("$name", async ({ path, opts, abortAfter, produced }) => {
    const fake = await upstream();
    fake.set(opts);
    const f = await createFixture({ model: "openai.chat:m", credits: 10_000 });
    const closedBefore = fake.closedEarly;
    const ctrl = new AbortController();
    const req = fetch(`${server.url}/api/v1/run/${f.workflowId}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: "x" }),
      signal: ctrl.signal,
    });
    if (abortAfter === "first-chunk") {
      const res = await req;
      await res.body!.getReader().read();
      ctrl.abort();
    } else {
      setTimeout(() => ctrl.abort(), abortAfter === "headers-wait" ? 300 : abortAfter);
      await req.then((r) => r.text()).catch(() => {});
    }
    const run = await finalRun(f.orgId);
    expect(run.status, JSON.stringify({ ...run, inputs: undefined })).toBe("canceled");
    if (produced !== 0) expect(run.output.length, JSON.stringify({ ...run, inputs: undefined })).toBeGreaterThan(0);
    expect(run.errorCode).toBe("canceled");
    if (produced === 0) expect(run.outputTokens).toBe(0);
    else expect(run.outputTokens, JSON.stringify({ ...run, inputs: undefined })).toBeGreaterThan(0);
    expect(run.outputTokens).toBeLessThan(200);
    expect(run.creditsCharged).toBe(run.inputTokens + run.outputTokens);
    for (let i = 0; i < 50 && fake.closedEarly === closedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.closedEarly).toBe(closedBefore + 1);
    const db = await getDb();
    await expectLedgerEqualsBalance(f.orgId);
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(10_000 - run.creditsCharged);
  });
});
