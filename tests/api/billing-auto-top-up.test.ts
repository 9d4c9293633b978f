import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { billingAccounts, billingProblems, creditLedger, creditPurchases, jobs } from "@/db/schema";
import { resetEnvForTests } from "@/lib/env";
import { sweepStuckTopUps } from "@/lib/billing/stuck-top-ups";
import { startQueue } from "@/lib/server/start-queue";
import { kickJobs, stopJobWorker } from "@/lib/queue/worker";
import { createWebhookEndpoint } from "@/lib/webhooks/endpoints";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { aPack, balanceAndLedger, billingFixture, buyAndPay, deliverEvent, useStripeStandIn } from "../support/billing";
import { apiRequest } from "../support/routes";

const waitFor = async <T>(f: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("auto top-up", () => {
  const stand = useStripeStandIn();
  const got: Array<{ type: string; data: Record<string, unknown> }> = [];
  let receiver: { url: string; close: () => void };

  beforeAll(async () => {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push(JSON.parse(Buffer.concat(chunks).toString()));
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() };
    process.env.WEBHOOKS_ALLOW_PRIVATE = "1";
    resetEnvForTests();
    startQueue();
  });
  afterAll(() => {
    stopJobWorker();
    delete process.env.WEBHOOKS_ALLOW_PRIVATE;
    resetEnvForTests();
    receiver.close();
  });

  /** An org that bought once (its card saved), with a published workflow and auto top-up on. */
  async function topUpOrg({
    credits = 10_000,
    priceCents = 1000,
    threshold = 1_000_000,
    capCents = 1000,
  }: { credits?: number; priceCents?: number; threshold?: number; capCents?: number } = {}) {
    const f = await billingFixture(0);
    const pack = await aPack({ credits, priceCents });
    const { session } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session));
    const res = await apiRequest("/api/v1/billing/auto-top-up", {
      method: "PATCH",
      key: f.adminKey,
      json: { enabled: true, threshold, pack_id: pack.pack_id, monthly_cap_cents: capCents },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).auto_top_up).toMatchObject({
      enabled: true,
      threshold,
      pack_id: pack.pack_id,
      monthly_cap_cents: capCents,
      has_payment_method: true,
    });
    const wf = await createWorkflow({ orgId: f.orgId, name: "w", template: "Write {{story}}", model: "offline:echo", publish: true });
    const run = () => apiRequest(`/api/v1/run/${wf.workflow_id}`, { key: f.runKey, json: { story: "a dog" } });
    return { ...f, pack, run };
  }
  const accountOf = async (orgId: string) =>
    (await (await getDb()).select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId)))[0]!;
  const intentsFor = (orgId: string) =>
    stand.current.requests.filter((r) => r.method === "POST" && r.path === "/v1/payment_intents" && r.params.metadata?.org_id === orgId);

  it("50 settlements crossing the threshold at once make one off-session PaymentIntent; credits only on payment_intent.succeeded; the monthly cap stops the next", async () => {
    const f = await topUpOrg();
    const answers = await Promise.all(Array.from({ length: 50 }, () => f.run()));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await waitFor(async () => intentsFor(f.orgId).length > 0);
    await new Promise((r) => setTimeout(r, 1000)); // any second one would be on its way by now
    const intents = intentsFor(f.orgId);
    expect(intents).toHaveLength(1);
    expect(intents[0]!.params).toMatchObject({
      amount: "1000",
      currency: "usd",
      off_session: "true",
      confirm: "true",
      metadata: { source: "auto_top_up" },
    });
    const db = await getDb();
    const [purchase] = await db
      .select()
      .from(creditPurchases)
      .where(and(eq(creditPurchases.orgId, f.orgId), eq(creditPurchases.source, "auto_top_up")));
    const pi = stand.current.objects.get(
      await waitFor(
        async () => (await db.select().from(creditPurchases).where(eq(creditPurchases.id, purchase!.id)))[0]!.paymentIntentId ?? undefined,
      ),
    )!;
    expect(pi).toMatchObject({
      status: "succeeded",
      payment_method: (await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId)))[0]!.paymentMethodId,
    });
    const before = await balanceAndLedger(f.orgId);
    expect(before.balance).toBe(before.ledger);
    // Stripe charged the card, but no credits until its event says so.
    expect(
      await db
        .select()
        .from(creditLedger)
        .where(and(eq(creditLedger.orgId, f.orgId), eq(creditLedger.idempotencyKey, `purchase:${pi.id}`))),
    ).toEqual([]);

    const succeeded = stand.current.event("payment_intent.succeeded", pi);
    await Promise.all(Array.from({ length: 5 }, () => deliverEvent(stand.current, succeeded)));
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
    const topUps = await db
      .select()
      .from(creditLedger)
      .where(and(eq(creditLedger.orgId, f.orgId), eq(creditLedger.idempotencyKey, `purchase:${pi.id}`)));
    expect(topUps).toHaveLength(1);
    expect((await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId)))[0]!.autoTopUpInFlight).toBeNull();

    // Still under the threshold, but this month's cap (one pack) is spent: no second charge.
    expect((await f.run()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(intentsFor(f.orgId)).toHaveLength(1);
  });

  it("a declined card turns auto top-up off with the reason and sends billing.auto_top_up_failed, once", async () => {
    const f = await topUpOrg({ capCents: 5000 });
    await createWebhookEndpoint({ orgId: f.orgId, url: receiver.url, events: ["billing.auto_top_up_failed"] });
    stand.current.declineOffSession = "insufficient_funds";
    try {
      expect((await f.run()).status).toBe(200);
      const db = await getDb();
      const account = await waitFor(async () => {
        const [a] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId));
        return a!.autoTopUpEnabled ? undefined : a;
      });
      expect(account).toMatchObject({ autoTopUpDisabledReason: "Your card was declined. (insufficient_funds)", autoTopUpInFlight: null });
      const [failed] = await db
        .select()
        .from(creditPurchases)
        .where(and(eq(creditPurchases.orgId, f.orgId), eq(creditPurchases.source, "auto_top_up")));
      expect(failed).toMatchObject({ status: "failed", failureReason: "Your card was declined. (insufficient_funds)" });
      // Stripe's own payment_intent.payment_failed for it changes nothing more.
      const pi = stand.current.objects.get(failed!.paymentIntentId!)!;
      await deliverEvent(stand.current, stand.current.event("payment_intent.payment_failed", pi));
      const hook = await waitFor(async () => got.find((e) => e.data.purchase_id === failed!.id));
      expect(hook).toMatchObject({
        type: "billing.auto_top_up_failed",
        data: { reason: "Your card was declined. (insufficient_funds)", credits: 10_000, price_cents: 1000, currency: "usd" },
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(got.filter((e) => e.data.purchase_id === failed!.id)).toHaveLength(1);
      const summary = await (await apiRequest("/api/v1/billing", { key: f.adminKey })).json();
      expect(summary.auto_top_up).toMatchObject({ enabled: false, disabled_reason: "Your card was declined. (insufficient_funds)" });
      // Off: the next settlement charges nothing.
      expect((await f.run()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(intentsFor(f.orgId)).toHaveLength(1);
    } finally {
      stand.current.declineOffSession = null;
    }
  });

  /** The org's one auto top-up (once claimed), its PaymentIntents at Stripe, and its `purchase:` ledger entries. */
  async function topUpOf(orgId: string) {
    const db = await getDb();
    const mine = and(eq(creditPurchases.orgId, orgId), eq(creditPurchases.source, "auto_top_up"));
    const { id } = await waitFor(async () => (await db.select().from(creditPurchases).where(mine))[0]);
    const row = async () => (await db.select().from(creditPurchases).where(eq(creditPurchases.id, id)))[0]!;
    const intents = () =>
      [...stand.current.objects.values()].filter((o) => o.object === "payment_intent" && o.metadata?.purchase_id === id);
    const entries = async () =>
      (await db.select().from(creditLedger).where(eq(creditLedger.orgId, orgId))).filter((e) =>
        e.idempotencyKey?.startsWith("purchase:pi_"),
      );
    return { id, row, intents, entries };
  }
  const INTENTS = "/v1/payment_intents";

  it("a create whose answers are lost (the job's whole first attempt) makes one PaymentIntent: every retry carries the purchase's idempotency key; its event grants once", async () => {
    const f = await topUpOrg();
    // Stripe creates (and charges) at the first request; that answer and both SDK retries' replays never arrive.
    stand.current.loseResponses = { path: INTENTS, count: 3 };
    try {
      expect((await f.run()).status).toBe(200);
      const t = await topUpOf(f.orgId);
      // The job's second attempt (after its backoff) is answered with the first request's PaymentIntent.
      const recorded = await waitFor(async () => (await t.row()).paymentIntentId);
      expect(stand.current.loseResponses.count).toBe(0);
      const posts = intentsFor(f.orgId);
      expect(posts).toHaveLength(4);
      expect(posts.map((r) => r.headers["idempotency-key"])).toEqual(Array(4).fill(`flowgate-top-up-${t.id}`));
      expect(t.intents().map((pi) => pi.id)).toEqual([recorded]);
      const pi = t.intents()[0]!;
      expect(pi).toMatchObject({
        status: "succeeded",
        amount: 1000,
        metadata: { purchase_id: t.id, org_id: f.orgId, source: "auto_top_up" },
      });
      const before = await balanceAndLedger(f.orgId);
      const succeeded = stand.current.event("payment_intent.succeeded", pi);
      await Promise.all(Array.from({ length: 3 }, () => deliverEvent(stand.current, succeeded)));
      expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
      expect((await t.entries()).map((e) => e.idempotencyKey)).toEqual([`purchase:${pi.id}`]);
      expect(await t.row()).toMatchObject({ status: "paid", paymentIntentId: pi.id });
    } finally {
      stand.current.loseResponses = null;
    }
  });

  /** An org whose top-up's job gave up with every answer of its create lost: failed, though Stripe made (and charged) the PaymentIntent. */
  async function givenUpTopUp() {
    const f = await topUpOrg({ capCents: 5000 });
    stand.current.loseResponses = { path: INTENTS, count: 1000 };
    const db = await getDb();
    try {
      expect((await f.run()).status).toBe(200);
      const t = await topUpOf(f.orgId);
      const job = and(eq(jobs.kind, "auto-top-up"), sql`${jobs.payload}->>'purchase_id' = ${t.id}`);
      // The first attempt (a request and the SDK's two retries) released for its backoff; skip to the last attempt.
      await waitFor(async () => intentsFor(f.orgId).length === 3 && (await db.select().from(jobs).where(job))[0]?.lockedUntil === null);
      await db
        .update(jobs)
        .set({ attempts: 5, runAt: sql`now()` })
        .where(job);
      kickJobs();
      await waitFor(async () => (await t.row()).status === "failed");
      return { f, t, db };
    } finally {
      stand.current.loseResponses = null;
    }
  }

  it("a top-up marked failed because every answer of its create was lost is granted once by Stripe's payment_intent.succeeded; a replay, a mismatched PaymentIntent and the sweep add nothing", async () => {
    const { f, t, db } = await givenUpTopUp();
    expect(await t.row()).toMatchObject({
      status: "failed",
      failureReason: "The payment provider could not be reached",
      paymentIntentId: null,
    });
    expect(await accountOf(f.orgId)).toMatchObject({ autoTopUpInFlight: null, autoTopUpEnabled: false });
    // Six requests under one key: Stripe made one PaymentIntent, and charged it.
    expect(new Set(intentsFor(f.orgId).map((r) => r.headers["idempotency-key"]))).toEqual(new Set([`flowgate-top-up-${t.id}`]));
    expect(intentsFor(f.orgId)).toHaveLength(6);
    expect(t.intents()).toHaveLength(1);
    const pi = t.intents()[0]!;
    expect(pi.status).toBe("succeeded");
    const before = await balanceAndLedger(f.orgId);

    // Not for this purchase's price: nothing granted, the operator told.
    const odd = stand.current.event("payment_intent.succeeded", { ...pi, amount: 1 });
    expect((await deliverEvent(stand.current, odd)).status).toBe(200);
    expect(await balanceAndLedger(f.orgId)).toEqual(before);
    expect(await db.select().from(billingProblems).where(eq(billingProblems.stripeEventId, odd.id))).toMatchObject([
      { orgId: f.orgId, kind: "mismatched_payment", stripeObjectId: pi.id },
    ]);
    expect(await t.row()).toMatchObject({ status: "failed" });

    const succeeded = stand.current.event("payment_intent.succeeded", pi);
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliverEvent(stand.current, succeeded)));
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
    expect(await t.row()).toMatchObject({ status: "paid", failureReason: null, paymentIntentId: pi.id, chargeId: pi.latest_charge });
    // Replayed later, and a sweep pass: nothing more.
    await deliverEvent(stand.current, succeeded);
    await deliverEvent(stand.current, stand.current.event("payment_intent.succeeded", pi));
    expect((await sweepStuckTopUps({ orgId: f.orgId, olderThanMs: 0 })).size).toBe(0);
    expect((await t.entries()).map((e) => e.idempotencyKey)).toEqual([`purchase:${pi.id}`]);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
  });

  it("a top-up given up unanswered whose event never came either is found by the sweep among the Customer's PaymentIntents and granted once (two passes at once); one never charged is marked so, once", async () => {
    const { f, t, db } = await givenUpTopUp();
    const pi = t.intents()[0]!;
    expect(pi.status).toBe("succeeded");
    // Given up less than STUCK_TOP_UP_AFTER_MS ago: left alone.
    expect((await sweepStuckTopUps({ orgId: f.orgId })).size).toBe(0);
    await db
      .update(creditPurchases)
      .set({ createdAt: sql`now() - interval '11 minutes'` })
      .where(eq(creditPurchases.id, t.id));
    Object.assign(pi, { created: pi.created - 660 });
    const before = await balanceAndLedger(f.orgId);
    const passes = await Promise.all([sweepStuckTopUps({ orgId: f.orgId }), sweepStuckTopUps({ orgId: f.orgId })]);
    expect(passes.map((m) => m.get(t.id))).toEqual(expect.arrayContaining(["granted"]));
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
    expect(await t.row()).toMatchObject({ status: "paid", failureReason: null, paymentIntentId: pi.id, chargeId: pi.latest_charge });
    await deliverEvent(stand.current, stand.current.event("payment_intent.succeeded", pi));
    expect((await sweepStuckTopUps({ orgId: f.orgId })).size).toBe(0);
    expect((await t.entries()).map((e) => e.idempotencyKey)).toEqual([`purchase:${pi.id}`]);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });

    // Given up before any request reached Stripe: no PaymentIntent names it; said once, nothing granted.
    const lost = `pur_unans${f.orgId.slice(-8)}`;
    await db.insert(creditPurchases).values({
      id: lost,
      orgId: f.orgId,
      packId: f.pack.pack_id,
      source: "auto_top_up",
      status: "failed",
      failureReason: "The payment provider could not be reached",
      credits: 10_000,
      priceCents: 1000,
      currency: "usd",
      createdAt: new Date(Date.now() - 11 * 60_000),
    });
    expect((await sweepStuckTopUps({ orgId: f.orgId })).get(lost)).toBe("not_charged");
    expect((await db.select().from(creditPurchases).where(eq(creditPurchases.id, lost)))[0]).toMatchObject({
      status: "failed",
      failureReason: "The payment provider could not be reached; no payment was made",
    });
    expect((await sweepStuckTopUps({ orgId: f.orgId })).size).toBe(0);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
  });

  it("turning it on needs a saved card, a pack on sale and a cap of at least one pack", async () => {
    const f = await billingFixture(0);
    const pack = await aPack({ priceCents: 1000 });
    const patch = (json: unknown) => apiRequest("/api/v1/billing/auto-top-up", { method: "PATCH", key: f.adminKey, json });
    const noCard = await patch({ enabled: true, threshold: 100, pack_id: pack.pack_id, monthly_cap_cents: 5000 });
    expect(noCard.status).toBe(400);
    expect(await noCard.json()).toMatchObject({ error: "Auto top-up needs a card saved by a purchase: buy a pack first" });
    const { session } = await buyAndPay(stand.current, f.adminKey, pack.pack_id);
    await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session));
    expect(await (await patch({ enabled: true, threshold: 100, pack_id: pack.pack_id, monthly_cap_cents: 999 })).json()).toMatchObject({
      error: "monthly_cap_cents must be at least the pack's price (1000)",
    });
    expect((await patch({ enabled: true, threshold: 100, pack_id: "pack_nope", monthly_cap_cents: 5000 })).status).toBe(404);
    expect((await patch({ enabled: true, pack_id: pack.pack_id, monthly_cap_cents: 5000 })).status).toBe(400);
    expect((await patch({ enabled: "yes" })).status).toBe(400);
    expect((await patch({ enabled: false })).status).toBe(200);
  });

  /** The org's one auto top-up once its PaymentIntent is recorded, made 11 minutes old (past STUCK_TOP_UP_AFTER_MS). */
  async function stuckTopUp(orgId: string) {
    const db = await getDb();
    const mine = and(eq(creditPurchases.orgId, orgId), eq(creditPurchases.source, "auto_top_up"));
    const p = await waitFor(async () => {
      const [row] = await db.select().from(creditPurchases).where(mine);
      return row?.paymentIntentId ? row : undefined;
    });
    await db
      .update(creditPurchases)
      .set({ createdAt: sql`now() - interval '11 minutes'` })
      .where(eq(creditPurchases.id, p.id));
    const row = async () => (await db.select().from(creditPurchases).where(eq(creditPurchases.id, p.id)))[0]!;
    return { purchase: p, pi: stand.current.objects.get(p.paymentIntentId!)!, row };
  }

  it("a top-up whose payment_intent.succeeded never came is granted once by the sweep (two passes at once), through the event's grant; the late event adds nothing", async () => {
    const f = await topUpOrg();
    expect((await f.run()).status).toBe(200);
    const db = await getDb();
    const mine = and(eq(creditPurchases.orgId, f.orgId), eq(creditPurchases.source, "auto_top_up"));
    const fresh = await waitFor(async () => (await db.select().from(creditPurchases).where(mine))[0]?.paymentIntentId);
    // Pending for less than STUCK_TOP_UP_AFTER_MS: the event may still come, the sweep leaves it.
    expect((await sweepStuckTopUps({ orgId: f.orgId })).size).toBe(0);
    const { purchase, pi, row } = await stuckTopUp(f.orgId);
    expect(pi.id).toBe(fresh);
    expect(pi.status).toBe("succeeded");
    const before = await balanceAndLedger(f.orgId);
    const passes = await Promise.all([sweepStuckTopUps({ orgId: f.orgId }), sweepStuckTopUps({ orgId: f.orgId })]);
    expect(passes.map((m) => m.get(purchase.id)).sort()).toEqual(expect.arrayContaining(["granted"]));
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
    const entries = () =>
      db
        .select()
        .from(creditLedger)
        .where(and(eq(creditLedger.orgId, f.orgId), eq(creditLedger.idempotencyKey, `purchase:${pi.id}`)));
    expect(await entries()).toHaveLength(1);
    expect(await row()).toMatchObject({ status: "paid", paymentIntentId: pi.id, chargeId: pi.latest_charge });
    expect((await accountOf(f.orgId)).autoTopUpInFlight).toBeNull();
    // Stripe's event, delivered at last, and another pass: nothing more.
    await deliverEvent(stand.current, stand.current.event("payment_intent.succeeded", pi));
    expect((await sweepStuckTopUps({ orgId: f.orgId })).size).toBe(0);
    expect(await entries()).toHaveLength(1);
    expect(await balanceAndLedger(f.orgId)).toEqual({ balance: before.balance + 10_000, ledger: before.balance + 10_000 });
  });

  it("the sweep leaves a PaymentIntent still processing, fails a declined one (auto top-up off, claim released), and clears a top-up never charged", async () => {
    const f = await topUpOrg({ capCents: 5000 });
    expect((await f.run()).status).toBe(200);
    const { purchase, pi, row } = await stuckTopUp(f.orgId);
    const before = await balanceAndLedger(f.orgId);
    // As Stripe would report them (the stand-in's object is what the SDK reads).
    Object.assign(pi, { status: "processing" });
    expect((await sweepStuckTopUps({ orgId: f.orgId })).get(purchase.id)).toBe("waiting");
    expect(await row()).toMatchObject({ status: "pending" });
    expect((await accountOf(f.orgId)).autoTopUpInFlight).toBe(purchase.id);
    Object.assign(pi, {
      status: "requires_payment_method",
      last_payment_error: { type: "card_error", code: "card_declined", decline_code: "expired_card", message: "Your card was declined." },
    });
    expect((await sweepStuckTopUps({ orgId: f.orgId })).get(purchase.id)).toBe("failed");
    expect(await row()).toMatchObject({ status: "failed", failureReason: "Your card was declined. (expired_card)" });
    expect(await accountOf(f.orgId)).toMatchObject({
      autoTopUpEnabled: false,
      autoTopUpInFlight: null,
      autoTopUpDisabledReason: "Your card was declined. (expired_card)",
    });
    expect(await balanceAndLedger(f.orgId)).toEqual(before);

    // A claimed top-up whose job ended without charging (no card by then) and left no PaymentIntent.
    const g = await billingFixture(0);
    const db = await getDb();
    const pack = await aPack({ credits: 500, priceCents: 500 });
    const lost = `pur_lost${g.orgId.slice(-8)}`;
    await db.insert(billingAccounts).values({ orgId: g.orgId, autoTopUpEnabled: true, autoTopUpInFlight: lost }).onConflictDoNothing();
    await db.update(billingAccounts).set({ autoTopUpEnabled: true, autoTopUpInFlight: lost }).where(eq(billingAccounts.orgId, g.orgId));
    await db.insert(creditPurchases).values({
      id: lost,
      orgId: g.orgId,
      packId: pack.pack_id,
      source: "auto_top_up",
      credits: 500,
      priceCents: 500,
      currency: "usd",
      createdAt: new Date(Date.now() - 11 * 60_000),
    });
    expect((await sweepStuckTopUps({ orgId: g.orgId })).get(lost)).toBe("cleared");
    expect((await db.select().from(creditPurchases).where(eq(creditPurchases.id, lost)))[0]).toMatchObject({ status: "failed" });
    expect(await accountOf(g.orgId)).toMatchObject({ autoTopUpInFlight: null, autoTopUpEnabled: false });
    expect(await balanceAndLedger(g.orgId)).toEqual({ balance: 0, ledger: 0 });
  });
});
