import { HEARTBEAT_MS } from "@/lib/runs/active-runs";
import { ORPHAN_AFTER_MS, SWEEP_EVERY_MS } from "@/lib/runs/sweep-orphans";
import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { pollUntil, readSse, sleep, type Sse } from "./support/client";
import { NAMES } from "./support/cluster";
import { clusterSuite, lib } from "./support/suite";

// Losing instances under load, through HAProxy: a SIGKILL (the survivors finalize and settle the
// dead instance's runs) and a rolling restart by SIGTERM (graceful shutdown: draining health,
// refused new runs, streams finished within SHUTDOWN_GRACE_S). Needs the graceful shutdown and
// run heartbeats (README, Architecture: many instances).

/** A killed instance's runs stop beating; a survivor's sweep finds them within this (lib/runs/sweep-orphans.ts). */
export const ORPHAN_SETTLE_BOUND_MS = ORPHAN_AFTER_MS + SWEEP_EVERY_MS + HEARTBEAT_MS;
const SHUTDOWN_GRACE_S = 10;

const suite = clusterSuite({ NEXT_MANUAL_SIG_HANDLE: "true", SHUTDOWN_GRACE_S: String(SHUTDOWN_GRACE_S) });

/** Starts the instance again if a test before stopped or killed it. */
async function upAgain(name: (typeof NAMES)[number]) {
  const p = suite.cluster.instances[name].server.process;
  if (p.exitCode !== null || p.signalCode !== null) await suite.cluster.restart(name);
}

async function ledgerExact(orgId: string) {
  const { getDb, getOrg, sumLedger, runs } = await lib();
  const db = await getDb();
  const [running] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), eq(runs.status, "running")));
  expect(running!.n).toBe(0);
  const balance = (await getOrg(db, orgId))!.creditBalance;
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(await sumLedger(db, orgId)).toBe(balance);
}

describe("instances lost under load", () => {
  it(`a SIGKILLed instance's runs are finalized and settled by the survivors within ${ORPHAN_SETTLE_BOUND_MS / 1000} s`, async () => {
    suite.cluster.upstream.set({ tokens: 2000, tokenDelayMs: 20 });
    const started = await Promise.all(Array.from({ length: 6 }, () => suite.stream()));
    const streams = started.map((res) => {
      const events: Sse[] = [];
      return { backend: res.headers.get("x-backend")!, runId: res.headers.get("x-run-id")!, events, outcome: readSse(res, events) };
    });
    await pollUntil(async () => (streams.every((s) => s.events.length > 1) ? true : undefined), 10_000);
    const killedAt = Date.now();
    suite.cluster.instances.b.server.process.kill("SIGKILL");
    const victimRuns = streams.filter((s) => s.backend === "b").map((s) => s.runId);
    expect(victimRuns.length).toBeGreaterThan(0);

    const { getDb, runs } = await lib();
    const db = await getDb();
    const settled = await pollUntil(
      async () => {
        const rows = await db.select({ status: runs.status }).from(runs).where(inArray(runs.id, victimRuns));
        return rows.every((r) => r.status !== "running") ? rows : undefined;
      },
      ORPHAN_SETTLE_BOUND_MS + 5_000,
      250,
    );
    const settleMs = Date.now() - killedAt;
    expect(settled, `the killed instance's runs were still running after ${settleMs} ms`).toBeDefined();
    expect(settleMs).toBeLessThanOrEqual(ORPHAN_SETTLE_BOUND_MS);
    suite.figures.kill = {
      killed: 1,
      runsOnKilled: victimRuns.length,
      survivorsSettledAfterMs: settleMs,
      statuses: settled!.map((r) => r.status),
    };

    // The survivors' own streams are not disturbed; they are canceled here to end the test quickly.
    for (const s of streams.filter((x) => x.backend !== "b"))
      await (await suite.api(`/api/v1/runs/${s.runId}/cancel`, { key: suite.seed.key, method: "POST" })).body?.cancel();
    await Promise.all(streams.map((s) => s.outcome));
    await ledgerExact(suite.seed.orgId);
    await suite.cluster.restart("b");
  });

  it("a frozen instance's runs are claimed provisionally, then re-settled by its own finish: its clients get every token, the runs end completed, the ledger exact", async () => {
    for (const name of NAMES) await upAgain(name);
    suite.cluster.upstream.set({ tokens: 300, tokenDelayMs: 20 });
    const started = await Promise.all(Array.from({ length: 6 }, () => suite.stream()));
    const streams = started.map((res) => {
      const events: Sse[] = [];
      return { backend: res.headers.get("x-backend")!, runId: res.headers.get("x-run-id")!, events, outcome: readSse(res, events) };
    });
    await pollUntil(async () => (streams.every((s) => s.events.length > 3) ? true : undefined), 10_000);
    const frozen = streams.filter((s) => s.backend === "b");
    expect(frozen.length).toBeGreaterThan(0);
    const { getDb, runs } = await lib();
    const db = await getDb();
    // What the sweeper may charge is what the instance saved (its progress tick, once a second):
    // freeze it only once each of its runs has recorded the prompt as sent and some output.
    await pollUntil(
      async () => {
        const rows = await db
          .select()
          .from(runs)
          .where(
            inArray(
              runs.id,
              frozen.map((s) => s.runId),
            ),
          );
        return rows.every((r) => r.sentAt !== null && r.output.length > 0) ? true : undefined;
      },
      10_000,
      100,
    );
    // Frozen as by a task that blocks its event loop: no lease renewal, no progress, no timers.
    const proc = suite.cluster.instances.b.server.process;
    const frozenAt = Date.now();
    proc.kill("SIGSTOP");
    let claimed;
    try {
      claimed = await pollUntil(
        async () => {
          const rows = await db
            .select()
            .from(runs)
            .where(
              inArray(
                runs.id,
                frozen.map((s) => s.runId),
              ),
            );
          return rows.every((r) => r.status === "failed" && r.errorCode === "orphaned") ? rows : undefined;
        },
        ORPHAN_SETTLE_BOUND_MS + 5_000,
        250,
      );
    } finally {
      proc.kill("SIGCONT");
    }
    expect(claimed, "the survivors did not claim the frozen instance's runs").toBeDefined();
    // Provisionally: what each provably used (input sent, output saved), the saved output kept.
    for (const r of claimed!) {
      expect(r.output.length).toBeGreaterThan(0);
      expect(r.creditsCharged).toBeGreaterThan(0);
    }
    await Promise.all(streams.map((s) => s.outcome));
    // The instance woke and finished its runs: its clients got the whole answer and the real end,
    // and the record is that end, not the sweeper's.
    const finals = await db
      .select()
      .from(runs)
      .where(
        inArray(
          runs.id,
          frozen.map((s) => s.runId),
        ),
      );
    for (const s of frozen) {
      const done = s.events.at(-1)!;
      expect(done.event).toBe("done");
      expect(done.data.status).toBe("completed");
      const row = finals.find((r) => r.id === s.runId)!;
      expect(row).toMatchObject({ status: "completed", errorCode: null, outputTokens: 300, creditsCharged: done.data.credits_charged });
      expect(
        s.events
          .filter((e) => e.event === "chunk")
          .map((e) => e.data.content)
          .join(""),
      ).toBe(row.output);
    }
    suite.figures.freeze = {
      frozenRuns: frozen.length,
      frozenForMs: Date.now() - frozenAt,
      provisional: claimed!.map((r) => r.creditsCharged),
      final: finals.map((r) => r.creditsCharged),
    };
    await ledgerExact(suite.seed.orgId);
  });

  it("a SIGTERMed instance with nothing to finish stays up answering 503 for SHUTDOWN_DELAY_S, out of the balancer's rotation before it exits", async () => {
    await upAgain("a");
    const inst = suite.cluster.instances.a;
    const t0 = Date.now();
    const exited = new Promise<{ code: number | null; afterMs: number }>((r) =>
      inst.server.process.once("exit", (code) => r({ code, afterMs: Date.now() - t0 })),
    );
    inst.server.process.kill("SIGTERM");
    // Past HAProxy's two failed checks (inter 500 ms): still up, and saying it drains.
    await sleep(1200);
    const health = await fetch(`${inst.server.url}/api/health`, { headers: { connection: "close" } });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ draining: true });
    const { code, afterMs } = await exited;
    expect(code).toBe(0);
    expect(afterMs).toBeGreaterThanOrEqual(2000);
    await suite.cluster.restart("a");
  });

  it("a rolling restart (SIGTERM each instance in turn, then start it again) under steady load loses no accepted request", async () => {
    // Three instances up, whatever the test before left.
    for (const name of NAMES) await upAgain(name);
    suite.cluster.upstream.set({ tokens: 20, tokenDelayMs: 50 });
    const tally = { accepted: 0, completed: 0, refused503: 0, lost: [] as string[] };
    let stopping = false;
    const deadline = Date.now() + 150_000;
    const worker = async () => {
      for (let i = 0; i < 500 && !stopping && Date.now() < deadline; i++) {
        let res: Response;
        try {
          res = await suite.stream();
        } catch (e) {
          // The cause (undici's code and message) says which side closed: the balancer or the socket to it.
          const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
          tally.lost.push(`no response: ${(e as Error).message}${cause ? ` (${cause.code ?? ""} ${cause.message ?? ""})` : ""}`);
          continue;
        }
        if (res.status === 503) {
          // Refused before acceptance (a draining instance): retried, as a client would.
          tally.refused503++;
          await res.body?.cancel();
          await sleep(50);
          continue;
        }
        if (res.status !== 200) {
          tally.lost.push(`status ${res.status} from ${res.headers.get("x-backend")}: ${(await res.text()).slice(0, 200)}`);
          continue;
        }
        tally.accepted++;
        const events: Sse[] = [];
        const outcome = await readSse(res, events);
        const done = events.at(-1);
        if (outcome === "end" && done?.event === "done" && done.data.status === "completed") tally.completed++;
        else tally.lost.push(`accepted on ${res.headers.get("x-backend")} but ended ${outcome} with ${JSON.stringify(done)}`);
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));
    const restarts: Record<string, { exit: unknown; stopMs: number }> = {};
    await sleep(2000);
    for (const name of NAMES) {
      const t0 = Date.now();
      const exit = await suite.cluster.instances[name].server.stop("SIGTERM", (SHUTDOWN_GRACE_S + 15) * 1000);
      restarts[name] = { exit, stopMs: Date.now() - t0 };
      await suite.cluster.restart(name);
      await sleep(1000);
    }
    await sleep(2000);
    stopping = true;
    await load;
    suite.figures.rolling = { ...tally, lost: tally.lost.length, restarts };
    expect(tally.lost.slice(0, 5)).toEqual([]);
    expect(tally.completed).toBe(tally.accepted);
    expect(tally.accepted).toBeGreaterThan(50);
    for (const name of NAMES) expect(restarts[name]!.exit).toBe(0);
    await ledgerExact(suite.seed.orgId);
  });
});
