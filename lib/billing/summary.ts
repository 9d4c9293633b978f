import "server-only";
import { getDb } from "@/db";
import { getBillingAccount, listPurchases, orgBalance } from "@/db/queries/billing";
import type { BillingAccount, CreditPurchase } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { listPacks } from "./packs";
import type { BillingSummary } from "./schemas";
import { billingConfigured } from "./stripe-client";

export const autoTopUpOf = (a: BillingAccount | undefined) => ({
  enabled: a?.autoTopUpEnabled ?? false,
  threshold: a?.autoTopUpThreshold ?? null,
  pack_id: a?.autoTopUpPackId ?? null,
  monthly_cap_cents: a?.autoTopUpMonthlyCapCents ?? null,
  disabled_reason: a?.autoTopUpDisabledReason ?? null,
  has_payment_method: !!a?.paymentMethodId,
});

export const purchaseView = (p: CreditPurchase) => ({
  purchase_id: p.id,
  pack_id: p.packId,
  source: p.source,
  checkout_session_id: p.checkoutSessionId,
  status: p.status,
  credits: p.credits,
  credits_refunded: p.creditsRefunded,
  price_cents: p.priceCents,
  currency: p.currency,
  receipt_url: p.receiptUrl,
  failure_reason: p.failureReason,
  created_at: p.createdAt.toISOString(),
  paid_at: p.paidAt?.toISOString() ?? null,
});

/** Balance, packs on sale, the auto top-up setting and the latest purchases of one org. */
export async function billingSummary(orgId: string): Promise<BillingSummary & { flagged: boolean }> {
  const db = await getDb();
  const [org, account, purchases, packs] = await Promise.all([
    orgBalance(db, orgId),
    getBillingAccount(db, orgId),
    listPurchases(db, orgId),
    listPacks(),
  ]);
  if (!org) throw new AppError("not_found", "Organization not found");
  return {
    success: true,
    balance: org.balance,
    buying_enabled: billingConfigured(),
    packs,
    auto_top_up: autoTopUpOf(account),
    purchases: purchases.map(purchaseView),
    flagged: !!account?.flaggedAt,
  };
}
