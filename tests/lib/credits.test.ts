import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger, sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { grantCredits } from "@/lib/credits/grant-credits";
import { reserveCredits } from "@/lib/credits/reserve-credits";
import { settleCredits } from "@/lib/credits/settle-credits";
import { createOrg } from "@/lib/orgs/create-org";

describe("credit ledger", () => {
  it("grant, reserve and settle keep sum(ledger) == balance; settle happens once", async () => {
    const { org_id: orgId } = await createOrg({ name: "c", credits: 500 });
    await grantCredits({ orgId, amount: 100 });
    const db = await getDb();
    const r = await db.transaction((tx) =>
      reserveCredits(tx, { orgId, runId: "run_t1", modelId: "offline:echo", promptText: "x".repeat(20), maxOutputTokens: 50 }),
    );
    expect(r.maxOutputTokens).toBe(50);
    expect((await getOrg(db, orgId))!.creditBalance).toBe(600 - r.reserved);
    const first = await db.transaction((tx) => settleCredits(tx, { orgId, runId: "run_t1", reserved: r.reserved, cost: 30 }));
    const again = await db.transaction((tx) => settleCredits(tx, { orgId, runId: "run_t1", reserved: r.reserved, cost: 30 }));
    expect(first).toEqual({ charged: 30 });
    expect(again).toBeNull();
    expect((await getOrg(db, orgId))!.creditBalance).toBe(570);
    expect(await sumLedger(db, orgId)).toBe(570);
    expect((await listLedger(db, { orgId })).map((e) => e.kind).sort()).toEqual(["grant", "grant", "reserve", "settle"]);
  });

  it("caps the output by what the balance can reserve, and refuses when nothing fits", async () => {
    const { org_id: orgId } = await createOrg({ name: "c", credits: 40 });
    const db = await getDb();
    // input estimate = ceil(10/2)+8 = 13 credits, leaving 27 output tokens.
    const r = await db.transaction((tx) =>
      reserveCredits(tx, { orgId, runId: "run_t2", modelId: "offline:echo", promptText: "x".repeat(10), maxOutputTokens: 1000 }),
    );
    expect(r).toEqual({ reserved: 40, maxOutputTokens: 27 });
    await expect(
      db.transaction((tx) => reserveCredits(tx, { orgId, runId: "run_t3", modelId: "offline:echo", promptText: "x", maxOutputTokens: 10 })),
    ).rejects.toMatchObject({ code: "invalid_billing", status: 402 });
  });

  it("a settle above the reservation takes only what the balance has, never below zero", async () => {
    const { org_id: orgId } = await createOrg({ name: "c", credits: 30 });
    const db = await getDb();
    const r = await db.transaction((tx) =>
      reserveCredits(tx, { orgId, runId: "run_t4", modelId: "offline:echo", promptText: "", maxOutputTokens: 2 }),
    );
    expect(r.reserved).toBe(10);
    const s = await db.transaction((tx) => settleCredits(tx, { orgId, runId: "run_t4", reserved: r.reserved, cost: 1000 }));
    expect(s).toEqual({ charged: 30 });
    expect((await getOrg(db, orgId))!.creditBalance).toBe(0);
    expect(await sumLedger(db, orgId)).toBe(0);
  });
});
