import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { billingAccounts, billingProblems, creditLedger, creditPurchases } from "@/db/schema";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { aPack, balanceAndLedger, billingFixture, buyAndPay, deliverEvent, useStripeStandIn } from "../support/billing";
import { apiRequest } from "../support/routes";

describe("refunds and disputes", () => {
  const stand = useStripeStandIn();

  async function bought(credits: number, priceCents: number) {
    const f = await billingFixture(0);
    const pack = await aPack({ credits, priceCents });
    const { session, purchaseId } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    expect((await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session))).status).toBe(200);
    const chargeId = stand.current.objects.get(session.payment_intent)!.latest_charge as string;
    return { ...f, purchaseId, chargeId };
  }
  const refund = async (chargeId: string, amount: number) => {
    const charge = stand.current.refund(chargeId, amount);
    const event = stand.current.event("charge.refunded", charge);
    expect((await deliverEvent(stand.current, event)).status).toBe(200);
    return event;
  };
  const refunds = async (orgId: string) =>
    (await getDb())
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, orgId), eq(creditLedger.kind, "refund")))
      .orderBy(desc(creditLedger.balanceAfter));

  it("a refund after part of the credits were spent takes back the refunded share: the balance goes negative and runs get the seed's 402", async () => {
    const f = await bought(1000, 500);
    const wf = await createWorkflow({ orgId: f.orgId, name: "w", template: "Write {{story}}", model: "offline:echo", publish: true });
    const run = () => apiRequest(`/api/v1/run/${wf.workflow_id}`, { key: f.runKey, json: { story: "a dog" } });
    const first = await run();
    expect(first.status).toBe(200);
    const spent = 1000 - (await balanceAndLedger(f.orgId)).balance;
    expect(spent).toBeGreaterThan(0);

    await refund(f.chargeId, 500); // all of it
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: -spent, ledger: -spent });
    expect(await refunds(f.orgId)).toMatchObject([{ amount: -1000, balanceAfter: -spent, idempotencyKey: `refund:${f.chargeId}:500` }]);

    const refused = await run();
    expect(refused.status).toBe(402);
    const body = await refused.json();
    expect(body).toEqual({
      error: "No credits remaining. Please add credits to continue using the service.",
      success: false,
      code: "invalid_billing",
      request_id: body.request_id,
    });
    expect((await balanceAndLedger(f.orgId)).balance).toBe(-spent);
  });

  it("partial refunds take their share; redeliveries and out-of-order events take nothing twice; never more than bought", async () => {
    const f = await bought(10_000, 1000);
    const first = await refund(f.chargeId, 300); // 30 %
    expect((await balanceAndLedger(f.orgId)).balance).toBe(7_000);
    await Promise.all(Array.from({ length: 5 }, () => deliverEvent(stand.current, first)));
    expect((await balanceAndLedger(f.orgId)).balance).toBe(7_000);
    const second = await refund(f.chargeId, 700); // the rest: amount_refunded is now 1000
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 0, ledger: 0 });
    await deliverEvent(stand.current, first); // an older event, late
    await deliverEvent(stand.current, second);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 0, ledger: 0 });
    expect((await refunds(f.orgId)).map((e) => e.amount)).toEqual([-3_000, -7_000]);
    const [p] = await (await getDb()).select().from(creditPurchases).where(eq(creditPurchases.id, f.purchaseId));
    expect(p).toMatchObject({ creditsRefunded: 10_000, credits: 10_000 });
  });

  it("a refunded share rounds down: 1 cent of 3 refunds 3 credits of 10", async () => {
    const f = await bought(10, 3);
    await refund(f.chargeId, 1);
    expect((await balanceAndLedger(f.orgId)).balance).toBe(7);
  });

  it("charge.dispute.created flags the org for the operator, once per event", async () => {
    const f = await bought(1000, 500);
    const event = stand.current.event("charge.dispute.created", stand.current.dispute(f.chargeId));
    await deliverEvent(stand.current, event);
    await deliverEvent(stand.current, event);
    const db = await getDb();
    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId));
    expect(account!.flaggedAt).toBeInstanceOf(Date);
    expect(account!.flagReason).toMatch(/^Dispute dp_\w+ \(fraudulent\)$/);
    expect(await db.select().from(billingProblems).where(eq(billingProblems.stripeEventId, event.id))).toMatchObject([
      { kind: "dispute", orgId: f.orgId },
    ]);
    // The credits stay until Stripe refunds (a lost dispute arrives as charge.refunded).
    expect((await balanceAndLedger(f.orgId)).balance).toBe(1000);
  });
});
