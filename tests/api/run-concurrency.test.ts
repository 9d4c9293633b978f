import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, getDbKind } from "@/db";
import { listLedger, sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { runs } from "@/db/schema";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// 200 runs at once against a balance that pays for about 50, through the real route handler, on
// whichever database the suite runs on (PGlite, or PostgreSQL when DATABASE_URL is set).
// Offline model (4 bytes a token): 9 in, 9 out. Its size matters: no balance that the completed
// runs leave (1000 - 18k) falls where only part of the output fits (input reservation + 1..8),
// where a run would rightly be cut short instead of completing or getting a 402.
const STORY = "alpha beta gamma delta epsilon zeta ";
const COST = 18;
const BALANCE = 1000;
const BILLING = {
  error: "No credits remaining. Please add credits to continue using the service.",
  success: false,
  code: "invalid_billing",
};

describe("concurrent runs cannot overdraw the balance", () => {
  // 1024: every run's worst case exceeds the whole balance (one run at a time can be covered);
  // 10: reservations close to the real cost (many runs in flight at once).
  it.each([1024, 10])("200 concurrent POST /run, max_output_tokens %s", async (maxOutputTokens) => {
    const f = await createFixture({ credits: BALANCE, template: "{{story}}", maxOutputTokens });
    const db = await getDb();

    let lowest = BALANCE;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, (await getOrg(db, f.orgId))!.creditBalance);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const responses = await Promise.all(
      Array.from({ length: 200 }, () => apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY } })),
    );
    sampling = false;
    await sampler;
    const bodies = await Promise.all(responses.map((r) => r.json()));

    const completed = bodies.filter((_, i) => responses[i]!.status === 200);
    const refused = bodies.filter((_, i) => responses[i]!.status === 402);
    expect(completed.length + refused.length).toBe(200);
    for (const b of refused) expect(b).toMatchObject(BILLING);
    for (const b of completed) {
      expect(b).toMatchObject({ success: true, status: "completed", result: STORY });
      expect(b.credits_charged).toBe(b.usage.total_tokens);
      expect(b.credits_charged).toBe(COST);
    }

    const balance = (await getOrg(db, f.orgId))!.creditBalance;
    const ledger = await listLedger(db, { orgId: f.orgId, limit: 10_000 });
    const rows = await db.select().from(runs).where(eq(runs.orgId, f.orgId));
    console.info(
      `[concurrency ${await getDbKind()}, max_output_tokens ${maxOutputTokens}] started 200, completed ${completed.length}, ` +
        `402 ${refused.length}, final balance ${balance}, ledger sum ${await sumLedger(db, f.orgId)}, lowest balance seen ${lowest}`,
    );

    expect(balance).toBeGreaterThanOrEqual(0);
    expect(lowest).toBeGreaterThanOrEqual(0);
    expect(ledger.every((e) => e.balanceAfter >= 0)).toBe(true);
    expect(await sumLedger(db, f.orgId)).toBe(balance);
    expect(balance).toBe(BALANCE - completed.length * COST);
    // A 402 leaves nothing behind; every run that started was settled exactly once and charged its tokens.
    expect(rows).toHaveLength(completed.length);
    for (const r of rows) {
      expect(r).toMatchObject({ status: "completed", creditsCharged: r.totalTokens, totalTokens: COST });
      expect(
        ledger
          .filter((e) => e.runId === r.id)
          .map((e) => e.kind)
          .sort(),
      ).toEqual(["reserve", "settle"]);
    }
    // The 402s were true: runs in flight held credits only for a while, and most of the balance got spent.
    expect(completed.length).toBeGreaterThanOrEqual(40);
    const after = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY } });
    expect(after.status).toBe(402);
  });
});
