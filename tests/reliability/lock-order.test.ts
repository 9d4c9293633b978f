import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { heartbeatRuns, updateRunsProgress } from "@/db/queries/runs";
import { runs } from "@/db/schema";
import { reservedRun } from "../support/fixtures";

// The instance's periodic writes to all its runs (the heartbeat, the progress) beside a settlement
// batch, which locks its runs in id order and then the org row (db/queries/runs.ts). PostgreSQL only
// (vitest.config.ts): PGlite has one connection, so no two transactions ever wait for each other there.

describe("the heartbeat and the progress write, beside a settlement", () => {
  it("step over a run whose row is locked instead of waiting for it (no deadlock with a batch settling in another order)", async () => {
    const db = await getDb();
    const { run: settling } = await reservedRun();
    const { run: other } = await reservedRun();
    await db
      .update(runs)
      .set({ heartbeatAt: new Date(Date.now() - 60_000) })
      .where(eq(runs.id, other.id));
    let locked!: () => void;
    let release!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const held = new Promise<void>((r) => (release = r));
    // What a settlement does first: lock its runs' rows.
    const holder = db.transaction(async (tx) => {
      await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, settling.id)).for("update");
      locked();
      await held;
    });
    await isLocked;
    function within(p: Promise<unknown>, what: string) {
      return Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error(`${what} waited for the locked run`)), 3000))]);
    }
    try {
      const ids = [settling.id, other.id].sort().reverse(); // the locked one first or last, as it comes
      await within(
        updateRunsProgress(
          db,
          ids.map((id) => ({ id, output: "so far", outputTokens: 2, sent: null, stepsDone: 0 })),
        ),
        "the progress write",
      );
      await within(heartbeatRuns(db, ids), "the heartbeat");
    } finally {
      release();
      await holder;
    }
    const row = async (id: string) => (await db.select().from(runs).where(eq(runs.id, id)))[0]!;
    expect((await row(other.id)).output).toBe("so far");
    expect((await row(other.id)).heartbeatAt!.getTime()).toBeGreaterThan(Date.now() - 30_000);
    expect((await row(settling.id)).output).not.toBe("so far");
  });
});
