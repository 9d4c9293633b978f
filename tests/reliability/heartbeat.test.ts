import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun, heartbeatRuns } from "@/db/queries/runs";
import { runs } from "@/db/schema";
import { registerRun } from "@/lib/runs/active-runs";
import { ORPHAN_AFTER_MS, sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { reservedRun } from "../support/fixtures";

// A SIGKILLed instance's runs are closed by the survivors once their heartbeat stops, within
// ORPHAN_AFTER_MS + SWEEP_EVERY_MS — not after the maximum duration (README, Architecture: many instances).

const ago = (ms: number) => new Date(Date.now() - ms);

describe("run heartbeats", () => {
  it("a run whose heartbeat stopped is swept; one that beats is not, however old; this process's own runs never are", async () => {
    const db = await getDb();
    const dead = await reservedRun();
    const alive = await reservedRun();
    const local = await reservedRun();
    await db
      .update(runs)
      .set({ createdAt: ago(3600_000), heartbeatAt: ago(ORPHAN_AFTER_MS + 1000) })
      .where(eq(runs.id, dead.run.id));
    await db
      .update(runs)
      .set({ createdAt: ago(3600_000), heartbeatAt: ago(ORPHAN_AFTER_MS + 1000) })
      .where(eq(runs.id, alive.run.id));
    await heartbeatRuns(db, [alive.run.id]);
    await db
      .update(runs)
      .set({ createdAt: ago(3600_000) })
      .where(eq(runs.id, local.run.id));
    const reg = registerRun(local.run.id, local.f.orgId, () => {});
    try {
      await sweepOrphanedRuns();
    } finally {
      reg.done();
    }
    const status = async (x: { f: { orgId: string }; run: { id: string } }) =>
      (await getRun(db, { orgId: x.f.orgId, runId: x.run.id }))!.status;
    expect(await status(dead)).toBe("failed");
    expect(await status(alive)).toBe("running");
    expect(await status(local)).toBe("running");
    // Within the bound, a run that has not beaten yet is judged by its start.
    const young = await reservedRun();
    await sweepOrphanedRuns();
    expect(await status(young)).toBe("running");
    await sweepOrphanedRuns({ olderThanMs: 0 });
    for (const x of [alive, local, young]) expect(await status(x)).toBe("failed");
  });
});
