import "server-only";
import { and, eq, or, sql } from "drizzle-orm";
import Stripe from "stripe";
import { getBackgroundDb, getDb } from "@/db";
import { claimAutoTopUp } from "@/db/queries/auto-top-up";
import { deleteJob, releaseJob } from "@/db/queries/jobs";
import { billingAccounts, creditPurchases, type Job } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { kickJobs, type JobHandler } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { packOnSale } from "./packs";
import { billingConfigured, stripeClient } from "./stripe-client";

// Auto top-up (lib/credits/README.md, "Purchases"): when a settlement leaves an org's balance under
// its threshold, one off-session PaymentIntent on the card saved at checkout; at most one in flight
// per org (the claim in billing_accounts), never past the monthly cap; the credits arrive only with
// payment_intent.succeeded. Nothing of it is on a run's path: settlementCommitted only looks the org
// up in this process's set of orgs with auto top-up on; the claim statement runs after, unawaited,
// and the charge in the job queue.

/** How stale this process's list of orgs with auto top-up on may be (another instance's change shows within this). */
const REFRESH_MS = 10_000;
/** Attempts at creating the PaymentIntent while Stripe is unreachable before the top-up is given up. */
const MAX_ATTEMPTS = 5;
/**
 * The reason of a top-up given up with no answer from Stripe: its PaymentIntent may exist all the
 * same (created, the answers lost). The stuck-top-up pass looks for it (lib/billing/stuck-top-ups.ts)
 * and grants it if it succeeded, or says so when there is none (`UNREACHABLE_NOT_CHARGED`).
 */
export const UNREACHABLE = "The payment provider could not be reached";
export const UNREACHABLE_NOT_CHARGED = `${UNREACHABLE}; no payment was made`;

const state = processSingleton("auto-top-up", () => ({ orgs: new Set<string>(), loadedAt: 0, loading: null as Promise<void> | null }));

async function refresh() {
  const db = await getBackgroundDb();
  const rows = await db.select({ orgId: billingAccounts.orgId }).from(billingAccounts).where(eq(billingAccounts.autoTopUpEnabled, true));
  state.orgs = new Set(rows.map((r) => r.orgId));
  state.loadedAt = Date.now();
}

/** Called after every settlement commits (lib/runs/settle-queue.ts): cheap, never awaited by the run. */
export function autoTopUpAfterSettlement(orgId: string) {
  if (!billingConfigured()) return;
  if (!state.loading && Date.now() - state.loadedAt > REFRESH_MS) {
    state.loading = refresh()
      .catch((err) => logger.warn("auto top-up: org list refresh failed", { err }))
      .finally(() => {
        state.loading = null;
      });
  }
  const check = () => {
    if (state.orgs.has(orgId)) void maybeTopUp(orgId).catch((err) => logger.warn("auto top-up: claim failed", { orgId, err }));
  };
  if (state.loadedAt === 0 && state.loading) void state.loading.then(check);
  else check();
}

/** Claims the org's top-up if it is due; the job charges it. True when claimed. */
export async function maybeTopUp(orgId: string): Promise<boolean> {
  const claimed = await claimAutoTopUp(await getBackgroundDb(), { orgId, purchaseId: newId.purchase() });
  if (claimed) kickJobs();
  return claimed;
}

export const autoTopUpJobHandler = (): JobHandler => ({ handle: chargeTopUp, concurrency: 4, leaseMs: 120_000 });

async function chargeTopUp(job: Job) {
  const purchaseId = String(job.payload.purchase_id);
  const db = await getBackgroundDb();
  const [purchase] = await db.select().from(creditPurchases).where(eq(creditPurchases.id, purchaseId));
  const [account] = purchase ? await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, purchase.orgId)) : [];
  if (
    !purchase ||
    !account ||
    purchase.status !== "pending" ||
    purchase.paymentIntentId ||
    !account.stripeCustomerId ||
    !account.paymentMethodId
  ) {
    await deleteJob(db, job.id);
    return;
  }
  // One purchase, one PaymentIntent: the idempotency key is the purchase's, so a retry (the SDK's, or
  // this job's next attempt) after an answer that never arrived gets the PaymentIntent Stripe made,
  // never a second charge; the metadata names the purchase (the event and the stuck-top-up pass find it by it).
  const metadata = { org_id: purchase.orgId, purchase_id: purchase.id, pack_id: purchase.packId, source: "auto_top_up" };
  try {
    const pi = await stripeClient().paymentIntents.create(
      {
        amount: purchase.priceCents,
        currency: purchase.currency,
        customer: account.stripeCustomerId,
        payment_method: account.paymentMethodId,
        off_session: true,
        confirm: true,
        metadata,
        description: `Flowgate auto top-up: ${purchase.credits} credits`,
      },
      { idempotencyKey: `flowgate-top-up-${purchase.id}` },
    );
    await db
      .update(creditPurchases)
      .set({ paymentIntentId: pi.id })
      .where(and(eq(creditPurchases.id, purchase.id), sql`${creditPurchases.paymentIntentId} IS NULL`));
    await deleteJob(db, job.id);
  } catch (e) {
    if (e instanceof Stripe.errors.StripeCardError || (e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode !== 429)) {
      const decline = e instanceof Stripe.errors.StripeCardError && e.decline_code ? ` (${e.decline_code})` : "";
      await autoTopUpFailed({ purchaseId: purchase.id, paymentIntentId: e.payment_intent?.id ?? null }, `${e.message}${decline}`);
      await deleteJob(db, job.id);
      return;
    }
    // Given up unanswered: Stripe may have charged all the same; its event, or the stuck-top-up pass, grants it then.
    if (job.attempts >= MAX_ATTEMPTS) {
      await autoTopUpFailed({ purchaseId: purchase.id, paymentIntentId: null }, UNREACHABLE);
      await deleteJob(db, job.id);
      return;
    }
    logger.warn("auto top-up: payment intent create failed; retried", {
      orgId: purchase.orgId,
      code: (e as Stripe.errors.StripeError)?.code,
    });
    await releaseJob(db, job.id, new Date(Date.now() + 2 ** job.attempts * 1000));
  }
}

/**
 * A declined (or impossible) top-up: the purchase fails, auto top-up turns itself off with the
 * reason (shown on the Billing page), the claim is released and `billing.auto_top_up_failed` is
 * queued for the org's webhook endpoints — all in one transaction, by whichever of the job and
 * Stripe's payment_intent.payment_failed gets there first (the other changes nothing).
 */
export async function autoTopUpFailed(ref: { purchaseId?: string | null; paymentIntentId: string | null }, reason: string) {
  const db = await getDb();
  const match = ref.purchaseId
    ? eq(creditPurchases.id, ref.purchaseId)
    : ref.paymentIntentId
      ? eq(creditPurchases.paymentIntentId, ref.paymentIntentId)
      : undefined;
  if (!match) return false;
  const queued = await db.transaction(async (tx) => {
    const [p] = await tx
      .update(creditPurchases)
      .set({
        status: "failed",
        failureReason: reason.slice(0, 500),
        paymentIntentId: sql`COALESCE(${creditPurchases.paymentIntentId}, ${ref.paymentIntentId})`,
      })
      .where(and(match, eq(creditPurchases.status, "pending"), eq(creditPurchases.source, "auto_top_up")))
      .returning();
    if (!p) return null;
    await tx
      .update(billingAccounts)
      .set({
        autoTopUpEnabled: false,
        autoTopUpDisabledReason: reason.slice(0, 500),
        updatedAt: sql`now()`,
        autoTopUpInFlight: sql`CASE WHEN ${billingAccounts.autoTopUpInFlight} = ${p.id} THEN NULL ELSE ${billingAccounts.autoTopUpInFlight} END`,
      })
      .where(eq(billingAccounts.orgId, p.orgId));
    const n = await emitWebhookEvent(tx, {
      orgId: p.orgId,
      type: "billing.auto_top_up_failed",
      data: {
        purchase_id: p.id,
        payment_intent_id: p.paymentIntentId,
        pack_id: p.packId,
        credits: p.credits,
        price_cents: p.priceCents,
        currency: p.currency,
        reason: p.failureReason,
      },
    });
    return { orgId: p.orgId, n };
  });
  if (!queued) return false;
  state.orgs.delete(queued.orgId);
  if (queued.n) kickJobs();
  logger.warn("auto top-up failed and was turned off", { orgId: queued.orgId, reason });
  return true;
}

export type AutoTopUpSetting = { enabled: boolean; threshold?: number | null; packId?: string | null; monthlyCapCents?: number | null };

/** Turns auto top-up on (with a saved card, a pack on sale in the org's currency, a threshold and a cap at least one pack) or off. */
export async function setAutoTopUp(orgId: string, s: AutoTopUpSetting) {
  const db = await getDb();
  const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  if (!s.enabled) {
    if (account)
      await db
        .update(billingAccounts)
        .set({ autoTopUpEnabled: false, updatedAt: sql`now()` })
        .where(eq(billingAccounts.orgId, orgId));
    state.orgs.delete(orgId);
    return;
  }
  if (!account?.paymentMethodId) throw new AppError("invalid_request", "Auto top-up needs a card saved by a purchase: buy a pack first");
  const { threshold, packId, monthlyCapCents } = s;
  if (!Number.isSafeInteger(threshold) || threshold! < 1)
    throw new AppError("invalid_request", "threshold must be a positive whole number of credits");
  if (!packId) throw new AppError("invalid_request", "pack_id is required to turn auto top-up on");
  const pack = await packOnSale(packId);
  if (account.currency && pack.currency !== account.currency)
    throw new AppError(
      "invalid_request",
      `This pack is priced in ${pack.currency.toUpperCase()}; this organization pays in ${account.currency.toUpperCase()}`,
    );
  if (!Number.isSafeInteger(monthlyCapCents) || monthlyCapCents! < pack.priceCents)
    throw new AppError("invalid_request", `monthly_cap_cents must be at least the pack's price (${pack.priceCents})`);
  await db
    .update(billingAccounts)
    .set({
      autoTopUpEnabled: true,
      autoTopUpThreshold: threshold!,
      autoTopUpPackId: pack.id,
      autoTopUpMonthlyCapCents: monthlyCapCents!,
      autoTopUpDisabledReason: null,
      updatedAt: sql`now()`,
    })
    .where(eq(billingAccounts.orgId, orgId));
  state.orgs.add(orgId);
}

/** Finds an auto top-up purchase by its PaymentIntent, or by the purchase id its metadata names (the event may beat the job's own update). */
export async function autoTopUpPurchaseOf(pi: Stripe.PaymentIntent) {
  const db = await getDb();
  const byMeta = pi.metadata?.source === "auto_top_up" && typeof pi.metadata.purchase_id === "string" ? pi.metadata.purchase_id : null;
  const [p] = await db
    .select()
    .from(creditPurchases)
    .where(
      byMeta ? or(eq(creditPurchases.paymentIntentId, pi.id), eq(creditPurchases.id, byMeta)) : eq(creditPurchases.paymentIntentId, pi.id),
    );
  return p;
}
