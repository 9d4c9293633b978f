import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { upstream } from "../setup";

// The server process killed (SIGKILL) in the middle of a run, then started again: the run must
// not stay "running" and its reservation must come back.
// `node --import tsx` (not the tsx CLI, which forks a grandchild) so the pid we kill is the run's.
const node = (args: string[]) => [process.execPath, ["--conditions=react-server", "--import", "tsx", ...args]] as const;

describe("process killed mid-run", () => {
  it("the orphaned run is failed and its reservation released (at boot on PGlite, by the sweeper on PostgreSQL)", async () => {
    const fake = await upstream();
    fake.set({ fault: "hang_before_first_token" });
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "error", OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "x" };
    if (!process.env.DATABASE_URL) env.FLOWGATE_DATA_DIR = mkdtempSync(path.join(tmpdir(), "fg-crash-"));
    const child = spawn(...node(["tests/reliability/crash-child.ts", "start"]), { env, stdio: ["ignore", "pipe", "inherit"] });
    const started = await new Promise<{ orgId: string; runId: string; balanceDuringRun: number }>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(JSON.parse(buf));
      });
      child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
    });
    expect(started.balanceDuringRun).toBeLessThan(10_000); // the reservation is held
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    try {
      if (process.env.DATABASE_URL) {
        // Other instances may be mid-run, so on PostgreSQL only stale runs are swept; make it stale.
        expect(await sweepOrphanedRuns({ olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
        const db = await getDb();
        expect(await getRun(db, { orgId: started.orgId, runId: started.runId })).toMatchObject({
          status: "failed",
          errorCode: "orphaned",
          creditsCharged: 0,
        });
        expect((await getOrg(db, started.orgId))!.creditBalance).toBe(10_000);
        expect(await sumLedger(db, started.orgId)).toBe(10_000);
      } else {
        const { stdout } = await promisify(execFile)(...node(["tests/reliability/crash-child.ts", "boot", started.orgId, started.runId]), {
          env,
          timeout: 60_000,
        });
        const after = JSON.parse(stdout.trim().split("\n").at(-1)!);
        expect(after).toEqual({ status: "failed", errorCode: "orphaned", creditsCharged: 0, balance: 10_000, ledger: 10_000 });
      }
    } finally {
      fake.reset();
    }
  }, 120_000);

  it("a run killed mid-stream is charged its input and the output recorded so far, and keeps its saved output", async () => {
    const fake = await upstream();
    fake.set({ tokens: 400, tokenDelayMs: 50 });
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "error", OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: "x" };
    if (!process.env.DATABASE_URL) env.FLOWGATE_DATA_DIR = mkdtempSync(path.join(tmpdir(), "fg-crash-"));
    const child = spawn(...node(["tests/reliability/crash-child.ts", "stream"]), { env, stdio: ["ignore", "pipe", "inherit"] });
    type Saved = {
      orgId: string;
      runId: string;
      output: string;
      outputTokens: number;
      inputTokens: number;
      prices: Record<string, { input: number; output: number }>;
    };
    const saved = await new Promise<Saved>((resolve, reject) => {
      let buf = "";
      child.stdout!.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) resolve(JSON.parse(buf));
      });
      child.once("exit", (c) => reject(new Error(`child exited ${c}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    try {
      let after: {
        status: string;
        errorCode: string;
        creditsCharged: number;
        balance: number;
        ledger: number;
        output: string;
        inputTokens: number;
        outputTokens: number;
      };
      if (process.env.DATABASE_URL) {
        expect(await sweepOrphanedRuns({ olderThanMs: 0 })).toBeGreaterThanOrEqual(1);
        const db = await getDb();
        const run = (await getRun(db, { orgId: saved.orgId, runId: saved.runId }))!;
        after = {
          ...run,
          errorCode: run.errorCode!,
          balance: (await getOrg(db, saved.orgId))!.creditBalance,
          ledger: await sumLedger(db, saved.orgId),
        };
      } else {
        const { stdout } = await promisify(execFile)(
          ...node(["tests/reliability/crash-child.ts", "boot-stream", saved.orgId, saved.runId]),
          { env, timeout: 60_000 },
        );
        after = JSON.parse(stdout.trim().split("\n").at(-1)!);
      }
      // What the run provably used: the input sent (the estimate: no count came) and at least the
      // output saved when we looked (the instance may have saved more before it died).
      expect(after).toMatchObject({ status: "failed", errorCode: "orphaned", inputTokens: saved.inputTokens });
      expect(saved.inputTokens).toBeGreaterThan(0);
      expect(after.outputTokens).toBeGreaterThanOrEqual(saved.outputTokens);
      expect(after.output.startsWith(saved.output)).toBe(true);
      expect(after.output.length).toBeGreaterThan(0);
      const price = Object.values(saved.prices)[0]!;
      expect(after.creditsCharged).toBe(Math.ceil((after.inputTokens * price.input + after.outputTokens * price.output) / 1_000_000));
      expect(after.creditsCharged).toBeGreaterThan(0);
      expect(after.balance).toBe(10_000 - after.creditsCharged);
      expect(after.ledger).toBe(after.balance);
    } finally {
      fake.reset();
    }
  }, 120_000);
});
