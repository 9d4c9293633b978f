import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { billingAccounts, billingProblems, creditLedger, creditPurchases } from "@/db/schema";
import { aPack, balanceAndLedger, billingFixture, buyAndPay, deliverEvent, useStripeStandIn } from "../support/billing";
import { apiRequest } from "../support/routes";

describe("POST /api/webhooks/stripe: credits arrive only from Stripe's signed events", () => {
  const stand = useStripeStandIn();
  const ledger = async (orgId: string) =>
    (await getDb())
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, orgId), eq(creditLedger.kind, "purchase")));

  it("checkout.session.completed (paid) grants the pack's credits as one purchase entry naming the session, with the receipt and the saved card", async () => {
    const f = await billingFixture(1000);
    const pack = await aPack({ credits: 50_000, priceCents: 2500 });
    const { session, purchaseId } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    const res = await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, handled: true });
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 51_000, ledger: 51_000 });
    expect(await ledger(f.orgId)).toMatchObject([
      { amount: 50_000, balanceAfter: 51_000, idempotencyKey: `purchase:${session.id}`, note: `Stripe Checkout ${session.id}` },
    ]);
    const db = await getDb();
    const [p] = await db.select().from(creditPurchases).where(eq(creditPurchases.id, purchaseId));
    const pi = stand.current.objects.get(session.payment_intent)!;
    expect(p).toMatchObject({
      status: "paid",
      paymentIntentId: pi.id,
      chargeId: pi.latest_charge,
      receiptUrl: stand.current.objects.get(pi.latest_charge)!.receipt_url,
    });
    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId));
    expect(account).toMatchObject({ currency: "usd", paymentMethodId: pi.payment_method });
    const summary = await (await apiRequest("/api/v1/billing", { key: f.adminKey })).json();
    expect(summary).toMatchObject({
      balance: 51_000,
      auto_top_up: { has_payment_method: true },
      purchases: [{ purchase_id: purchaseId, status: "paid", receipt_url: expect.stringMatching(/^http/) }],
    });
  });

  it("one event delivered 10 times at once grants once (and a later async_payment_succeeded for the session adds nothing)", async () => {
    const f = await billingFixture(0);
    const pack = await aPack({ credits: 7_000 });
    const { session } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    const event = stand.current.event("checkout.session.completed", session);
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliverEvent(stand.current, event)));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    await deliverEvent(stand.current, stand.current.event("checkout.session.async_payment_succeeded", session));
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 7_000, ledger: 7_000 });
    expect(await ledger(f.orgId)).toHaveLength(1);
  });

  it("a bad, stale or missing signature is a 400 and writes nothing", async () => {
    const f = await billingFixture(0);
    const pack = await aPack();
    const { session, purchaseId } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    const event = stand.current.event("checkout.session.completed", session);
    const other = await deliverEvent(stand.current, event, { secret: "whsec_not_ours" });
    const stale = await deliverEvent(stand.current, event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const { payload, header } = stand.current.sign(event);
    const tampered = await apiRequest("/api/webhooks/stripe", {
      method: "POST",
      // A different last character (an id already ending in "z" would be left unchanged: CI failed once on that).
      body: payload.replace(session.id, session.id.slice(0, -1) + (session.id.endsWith("z") ? "y" : "z")),
      headers: { "stripe-signature": header },
    });
    const missing = await apiRequest("/api/webhooks/stripe", { method: "POST", body: payload });
    for (const res of [other, stale, tampered]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ success: false, code: "invalid_request", error: "Invalid Stripe signature" });
    }
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "Missing Stripe-Signature header" });
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 0, ledger: 0 });
    const [p] = await (await getDb()).select().from(creditPurchases).where(eq(creditPurchases.id, purchaseId));
    expect(p!.status).toBe("pending");
  });

  it("a delayed payment: completed unpaid grants nothing; async_payment_succeeded grants", async () => {
    const f = await billingFixture(0);
    const pack = await aPack({ credits: 3_000 });
    const { session } = await buyAndPay(stand.current, f.adminKey, pack.pack_id, { paymentStatus: "unpaid" });
    expect(await (await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session))).json()).toEqual({
      received: true,
      handled: false,
    });
    expect((await balanceAndLedger(f.orgId)).balance).toBe(0);
    stand.current.objects.get(session.id)!.payment_status = "paid";
    await deliverEvent(
      stand.current,
      stand.current.event("checkout.session.async_payment_succeeded", { ...session, payment_status: "paid" }),
    );
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 3_000, ledger: 3_000 });
  });

  it("unknown event types are acknowledged and ignored", async () => {
    const res = await deliverEvent(stand.current, stand.current.event("customer.updated", { id: "cus_x", object: "customer" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, handled: false });
  });

  it("a paid session for an unknown org or pack is recorded for the operator (once), not a 500", async () => {
    const f = await billingFixture(0);
    const ghostOrg = stand.current.event("checkout.session.completed", {
      id: "cs_test_ghost1",
      object: "checkout.session",
      payment_status: "paid",
      amount_total: 500,
      currency: "usd",
      payment_intent: null,
      metadata: { org_id: "org_doesnotexist000000000000", pack_id: "pack_x", purchase_id: "pur_x" },
    });
    const ghostPack = stand.current.event("checkout.session.completed", {
      id: "cs_test_ghost2",
      object: "checkout.session",
      payment_status: "paid",
      amount_total: 500,
      currency: "usd",
      payment_intent: null,
      metadata: { org_id: f.orgId, pack_id: "pack_doesnotexist00000000000", purchase_id: "pur_y" },
    });
    for (const ev of [ghostOrg, ghostOrg, ghostPack]) expect((await deliverEvent(stand.current, ev)).status).toBe(200);
    const db = await getDb();
    expect(await db.select().from(billingProblems).where(eq(billingProblems.stripeEventId, ghostOrg.id))).toMatchObject([
      { kind: "unknown_org", orgId: null, stripeObjectId: "cs_test_ghost1" },
    ]);
    expect(await db.select().from(billingProblems).where(eq(billingProblems.stripeEventId, ghostPack.id))).toMatchObject([
      { kind: "unknown_pack", orgId: f.orgId },
    ]);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: 0, ledger: 0 });
  });
});
