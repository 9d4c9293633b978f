import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun, listStaleRuns } from "@/db/queries/runs";
import { creditLedger, runs } from "@/db/schema";
import { settleOrphan } from "@/lib/credits/settle";
import { ORPHAN_AFTER_MS } from "@/lib/runs/sweep-orphans";
import { upstream } from "../setup";
import { createFixture, runPublished } from "../support/fixtures";

// An instance whose event loop is blocked renews no lease: another instance's sweeper then claims
// its running runs (lib/credits/README.md, orphans). The frozen instance's clients still get every
// token, and its later finish must be honoured — the run ends completed, charged what it used, its
// whole output stored, the ledger exact — instead of staying "failed, orphaned, charged 0, output
// erased" as before.

const CREDITS = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a run whose instance froze", () => {
  it("is claimed by the sweeper with what it provably used, then re-settled by its owner's finish", async () => {
    const fake = await upstream();
    fake.set({ tokens: 30, tokenDelayMs: 60 });
    try {
      const db = await getDb();
      const f = await createFixture({ model: "openai.chat:m", credits: CREDITS, template: "{{story}}" });
      const answer = runPublished(f, { story: "a story about a lighthouse keeper" });
      // Wait until the instance saved the request as sent and some output (its progress tick, each second).
      let row: typeof runs.$inferSelect | undefined;
      for (let i = 0; i < 100; i++) {
        [row] = await db.select().from(runs).where(eq(runs.orgId, f.orgId));
        if (row?.sentAt && row.outputTokens >= 3) break;
        await sleep(50);
      }
      expect(row?.sentAt).toBeTruthy();
      const runId = row!.id;

      // The instance "froze": its lease expired. Another instance's sweeper (which does not know
      // this process runs it) claims the run.
      await db
        .update(runs)
        .set({ heartbeatAt: new Date(Date.now() - ORPHAN_AFTER_MS - 1000) })
        .where(eq(runs.id, runId));
      const stale = (await listStaleRuns(db, new Date(Date.now() - ORPHAN_AFTER_MS))).filter((r) => r.id === runId);
      expect(stale).toHaveLength(1);
      expect(await settleOrphan(stale[0]!)).not.toBeNull();
      const claimed = (await getRun(db, { orgId: f.orgId, runId }))!;
      expect(claimed).toMatchObject({ status: "failed", errorCode: "orphaned" });
      // Provisionally charged what it provably used: the input sent plus the output recorded — not 0.
      expect(claimed.inputTokens).toBeGreaterThan(0);
      expect(claimed.outputTokens).toBeGreaterThanOrEqual(3);
      expect(claimed.creditsCharged).toBeGreaterThan(0);
      // Its saved output is kept, not erased.
      expect(claimed.output.length).toBeGreaterThan(0);
      expect(claimed.output).toBe(stale[0]!.output);
      expect((await getOrg(db, f.orgId))!.creditBalance).toBe(CREDITS - claimed.creditsCharged);
      expect(await sumLedger(db, f.orgId)).toBe(CREDITS - claimed.creditsCharged);

      // The owner was alive all along: its client gets the whole answer, and its finish is honoured.
      const body = await answer;
      expect(body.status).toBe("completed");
      expect(body.usage.output_tokens).toBe(30);
      const final = (await getRun(db, { orgId: f.orgId, runId }))!;
      expect(final).toMatchObject({ status: "completed", errorCode: null, outputTokens: 30, creditsCharged: body.credits_charged });
      expect(final.output).toBe(body.result);
      // The provisional charge counted the input estimate; the finish charges the provider's count.
      const adjusted = final.creditsCharged !== claimed.creditsCharged;
      // The ledger is exact: reserve, the sweeper's provisional settlement, one adjustment.
      const balance = (await getOrg(db, f.orgId))!.creditBalance;
      expect(balance).toBe(CREDITS - final.creditsCharged);
      expect(await sumLedger(db, f.orgId)).toBe(balance);
      const kinds = (
        await db
          .select({ kind: creditLedger.kind })
          .from(creditLedger)
          .where(and(eq(creditLedger.orgId, f.orgId), eq(creditLedger.runId, runId)))
      )
        .map((e) => e.kind)
        .sort();
      expect(kinds).toEqual(adjusted ? ["adjust", "reserve", "settle"] : ["reserve", "settle"]);
      // Once only: a second claim or re-settlement changes nothing.
      expect(await settleOrphan({ ...stale[0]! })).toBeNull();
      expect(await sumLedger(db, f.orgId)).toBe(balance);
    } finally {
      fake.reset();
    }
  }, 30_000);

  it("a run that never reached its provider is claimed for nothing, and keeps what it has", async () => {
    const db = await getDb();
    const f = await createFixture({ model: "openai.chat:m", credits: CREDITS, template: "{{story}}" });
    const fake = await upstream();
    let release!: () => void;
    fake.set({ hold: new Promise<void>((r) => (release = r)) });
    try {
      const answer = runPublished(f, { story: "x" }).catch((e: unknown) => e);
      let row: typeof runs.$inferSelect | undefined;
      for (let i = 0; i < 100 && !row; i++) {
        [row] = await db.select().from(runs).where(eq(runs.orgId, f.orgId));
        if (!row) await sleep(20);
      }
      await db
        .update(runs)
        .set({ heartbeatAt: new Date(Date.now() - ORPHAN_AFTER_MS - 1000) })
        .where(eq(runs.id, row!.id));
      const [stale] = (await listStaleRuns(db, new Date(Date.now() - ORPHAN_AFTER_MS))).filter((r) => r.id === row!.id);
      expect(stale?.sentAt).toBeNull();
      await settleOrphan(stale!);
      expect(await getRun(db, { orgId: f.orgId, runId: row!.id })).toMatchObject({
        status: "failed",
        errorCode: "orphaned",
        creditsCharged: 0,
      });
      expect(await sumLedger(db, f.orgId)).toBe(CREDITS);
      release();
      await answer;
      const balance = (await getOrg(db, f.orgId))!.creditBalance;
      expect(await sumLedger(db, f.orgId)).toBe(balance);
    } finally {
      release?.();
      fake.reset();
    }
  }, 30_000);
});
