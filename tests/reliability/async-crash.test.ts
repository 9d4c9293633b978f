import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { runs } from "@/db/schema";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { upstream } from "../setup";

// The process killed (SIGKILL) while it runs async runs and more wait in the queue, then started
// again: the runs it was executing fail cleanly (orphaned, nothing charged), the queued ones are
// picked up and complete, and the ledger equals the balance.
const node = (args: string[]) => [process.execPath, ["--conditions=react-server", "--import", "tsx", ...args]] as const;
const TOTAL = 6;
const CONCURRENCY = 2;

describe("process killed with async runs running and queued", () => {
  it("restarted: the running ones fail as orphans, the queued ones complete, the ledger is exact", async () => {
    const fake = await upstream();
    fake.set({ fault: "hang_before_first_token" });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOG_LEVEL: "error",
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: "x",
      TOTAL_RUNS: String(TOTAL),
      RUN_QUEUE_CONCURRENCY: String(CONCURRENCY),
    };
    if (!process.env.DATABASE_URL) env.FLOWGATE_DATA_DIR = mkdtempSync(path.join(tmpdir(), "fg-async-crash-"));
    const child = spawn(...node(["tests/reliability/async-crash-child.ts", "start"]), { env, stdio: ["ignore", "pipe", "inherit"] });
    const started = await new Promise<{ orgId: string; statuses: Record<string, number>; balance: number }>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(JSON.parse(buf));
      });
      child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
    });
    expect(started.statuses).toEqual({ running: CONCURRENCY, queued: TOTAL - CONCURRENCY });
    expect(started.balance).toBeLessThan(10_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    fake.reset(); // the model answers again after the restart
    let after: { statuses: Record<string, number>; balance: number; ledger: number };
    if (process.env.DATABASE_URL) {
      // Another instance: its sweeper closes the dead one's runs (made stale here), its queue runs the rest.
      expect(await sweepOrphanedRuns({ olderThanMs: 0 })).toBeGreaterThanOrEqual(CONCURRENCY);
      startQueue();
      const db = await getDb();
      for (let i = 0; ; i++) {
        const rows = await db.select().from(runs).where(eq(runs.orgId, started.orgId));
        if (rows.every((r) => r.status !== "queued" && r.status !== "running")) {
          const statuses: Record<string, number> = {};
          for (const r of rows) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          after = { statuses, balance: (await getOrg(db, started.orgId))!.creditBalance, ledger: await sumLedger(db, started.orgId) };
          break;
        }
        if (i > 600) throw new Error("queued runs never finished");
        await new Promise((r) => setTimeout(r, 50));
      }
      stopJobWorker();
      const rows = await db.select().from(runs).where(eq(runs.orgId, started.orgId));
      expect(after.balance).toBe(10_000 - rows.reduce((n, r) => n + r.creditsCharged, 0));
    } else {
      const { stdout } = await promisify(execFile)(...node(["tests/reliability/async-crash-child.ts", "boot", started.orgId]), {
        env,
        timeout: 90_000,
      });
      after = JSON.parse(stdout.trim().split("\n").at(-1)!);
    }
    console.info(
      `[async crash] killed with ${JSON.stringify(started.statuses)}; after restart ${JSON.stringify(after.statuses)}, balance ${after.balance}, ledger ${after.ledger}`,
    );
    expect(after.statuses).toEqual({ failed: CONCURRENCY, completed: TOTAL - CONCURRENCY });
    expect(after.ledger).toBe(after.balance);
    expect(after.balance).toBeLessThan(10_000);
  }, 180_000);
});
