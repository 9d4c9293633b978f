import { readFileSync } from "node:fs";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { getDb } from "@/db";
import { resetEnvForTests } from "@/lib/env";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { runs } from "@/db/schema";
import { grantCredits } from "@/lib/credits/grant-credits";
import { controlUpstream } from "../e2e/support";

// Ten minutes (SOAK_MS) of mixed load on the production server over real PostgreSQL and Redis:
// runs, streams in every protocol, token mints, client disconnects, and injected upstream faults
// in short windows. Afterwards: no error outside the fault windows, memory flat, every run final,
// the ledger exact.
const e2e = inject("e2e");
// The server runs on a database of its own (tests/e2e/global-setup.ts): the checks read that one.
if (e2e.databaseUrl) {
  process.env.DATABASE_URL = e2e.databaseUrl;
  resetEnvForTests();
}
const SOAK_MS = Number(process.env.SOAK_MS ?? 600_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

describe.runIf(!!process.env.DATABASE_URL)("soak", () => {
  it(`${Math.round(SOAK_MS / 60000)} minutes of mixed load`, async () => {
    await grantCredits({ orgId: e2e.orgId, amount: 50_000_000 });
    await controlUpstream(e2e.upstreamUrl, { tokens: 30, tokenDelayMs: 2 });
    const auth = { authorization: `Bearer ${e2e.key}` };
    const body = JSON.stringify({ story: "a dog named charlie" });
    const faultWindows: Array<[number, number]> = [];
    const counts: Record<string, number> = {};
    const unexpected: string[] = [];
    const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
    const inFault = (t0: number, t1: number) => faultWindows.some(([a, b]) => t0 <= b && t1 >= a);

    const ops: Array<() => Promise<void>> = [
      async () => {
        const r = await fetch(`${e2e.baseUrl}/api/v1/run/${e2e.storyId}`, { method: "POST", headers: auth, body });
        await r.text();
        if (r.status !== 200) throw new Error(`run ${r.status}`);
      },
      async () => {
        const { token } = await (await fetch(`${e2e.baseUrl}/api/v1/token`, { headers: auth })).json();
        const r = await fetch(`${e2e.baseUrl}/api/v1/run/${e2e.storyId}/stream?token=${token}`, { method: "POST", body });
        await r.text();
        if (r.status !== 200) throw new Error(`stream ${r.status}`);
      },
      async () => {
        const r = await fetch(`${e2e.baseUrl}/api/v1/run/${e2e.storyId}/stream?protocol=sse`, { method: "POST", headers: auth, body });
        const t = await r.text();
        if (r.status !== 200 || !t.includes("event: done")) throw new Error(`sse ${r.status}`);
        if (t.includes("event: error")) throw new Error("sse error event");
      },
      async () => {
        const r = await fetch(`${e2e.baseUrl}/api/v1/run/${e2e.storyId}/stream?protocol=ui`, { method: "POST", headers: auth, body });
        const t = await r.text();
        if (r.status !== 200 || t.includes('"type":"error"')) throw new Error(`ui ${r.status}`);
      },
      async () => {
        // A client that leaves after the first chunk.
        const ctrl = new AbortController();
        const r = await fetch(`${e2e.baseUrl}/api/v1/run/${e2e.storyId}/stream`, {
          method: "POST",
          headers: auth,
          body,
          signal: ctrl.signal,
        });
        await r.body!.getReader().read();
        ctrl.abort();
        bump("disconnects");
      },
    ];

    const start = Date.now();
    const deadline = start + SOAK_MS;
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssMb(e2e.serverPid)), 5000);
    const faults = setInterval(async () => {
      // Recorded before the fault is switched on, so failures during the window count as injected.
      const win: [number, number] = [Date.now(), Infinity];
      faultWindows.push(win);
      await controlUpstream(e2e.upstreamUrl, { fault: "error_event_mid_stream", faultAfterTokens: 5 });
      await new Promise((r) => setTimeout(r, 1000));
      await controlUpstream(e2e.upstreamUrl, { fault: null });
      win[1] = Date.now() + 50;
      bump("fault windows");
    }, 30_000);
    let i = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < deadline) {
          const op = ops[i++ % ops.length]!;
          const t0 = Date.now();
          try {
            await op();
            bump("ok");
          } catch (e) {
            if ((e as Error).name === "AbortError") continue;
            if (inFault(t0, Date.now())) bump("injected failures");
            else
              unexpected.push(
                `${Math.round((t0 - start) / 100) / 10}s ${String((e as Error).message)} ${String((e as Error).cause ?? "")}`,
              );
          }
        }
      }),
    );
    clearInterval(sampler);
    clearInterval(faults);
    await controlUpstream(e2e.upstreamUrl, { reset: true });

    // Every run final (disconnected ones included), and the ledger exact.
    const db = await getDb();
    let running = -1;
    for (let k = 0; k < 100 && running !== 0; k++) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(runs)
        .where(and(eq(runs.orgId, e2e.orgId), eq(runs.status, "running")));
      running = row!.n;
      if (running) await new Promise((r) => setTimeout(r, 100));
    }
    const balance = (await getOrg(db, e2e.orgId))!.creditBalance;
    const [total] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(runs)
      .where(eq(runs.orgId, e2e.orgId));
    const firstMinute = Math.max(...rss.slice(0, 12));
    const lastMinute = Math.max(...rss.slice(-12));
    console.log(
      JSON.stringify({
        faultWindows: faultWindows.map(([a, b]) => [(a - start) / 1000, (b - start) / 1000]),
        sample: unexpected.slice(0, 12),
      }),
    );
    console.log(
      JSON.stringify({
        minutes: SOAK_MS / 60000,
        ...counts,
        unexpected: unexpected.length,
        runs: total!.n,
        running,
        balance,
        rssMb: { firstMinute: Math.round(firstMinute), lastMinute: Math.round(lastMinute), max: Math.round(Math.max(...rss)) },
      }),
    );
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(running).toBe(0);
    expect(await sumLedger(db, e2e.orgId)).toBe(balance);
    expect(counts.ok).toBeGreaterThan(100);
    // Flat: the last minute's peak within 25 % (+30 MB) of the first minute's.
    expect(lastMinute).toBeLessThan(firstMinute * 1.25 + 30);
  });
});
