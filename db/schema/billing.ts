import { bigint, boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

// Buying credits (lib/billing, lib/credits/README.md "Purchases"). Credits arrive only from
// Stripe's signed events; these rows say what was offered, what each org bought and at what price.

/** Operator data: what an org can buy. Archived packs stay for the purchases that name them. */
export const creditPacks = pgTable("credit_packs", {
  id: text("id").primaryKey(), // pack_…
  name: text("name").notNull(),
  credits: bigint("credits", { mode: "number" }).notNull(),
  /** In the currency's minor unit (cents). */
  priceCents: bigint("price_cents", { mode: "number" }).notNull(),
  currency: text("currency").notNull(), // ISO 4217, lowercase as Stripe writes it
  archivedAt: timestamp("archived_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One per org that ever started to buy: its Stripe Customer, saved card and auto top-up setting. */
export const billingAccounts = pgTable("billing_accounts", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").unique(),
  /** Fixed by the first purchase: a Customer pays in one currency. */
  currency: text("currency"),
  /** Saved at checkout (setup_future_usage: off_session): what auto top-up charges. */
  paymentMethodId: text("payment_method_id"),
  /** A dispute was opened on one of its payments (for the operator). */
  flaggedAt: timestamp("flagged_at", { withTimezone: true }),
  flagReason: text("flag_reason"),
  autoTopUpEnabled: boolean("auto_top_up_enabled").notNull().default(false),
  autoTopUpThreshold: bigint("auto_top_up_threshold", { mode: "number" }),
  autoTopUpPackId: text("auto_top_up_pack_id").references(() => creditPacks.id),
  /** Most spent on auto top-ups per UTC calendar month, in the pack's minor unit. */
  autoTopUpMonthlyCapCents: bigint("auto_top_up_monthly_cap_cents", { mode: "number" }),
  /** Why auto top-up turned itself off (a declined charge); cleared when it is turned on again. */
  autoTopUpDisabledReason: text("auto_top_up_disabled_reason"),
  /** The claim: the auto top-up purchase in flight (at most one per org). */
  autoTopUpInFlight: text("auto_top_up_in_flight"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const PURCHASE_SOURCES = ["checkout", "auto_top_up"] as const;
export const PURCHASE_STATUSES = ["pending", "paid", "failed"] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

/** A purchase, with the pack's credits and price as they were when it was started (a snapshot). */
export const creditPurchases = pgTable(
  "credit_purchases",
  {
    id: text("id").primaryKey(), // pur_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    packId: text("pack_id")
      .notNull()
      .references(() => creditPacks.id),
    source: text("source", { enum: PURCHASE_SOURCES }).notNull(),
    checkoutSessionId: text("checkout_session_id"),
    paymentIntentId: text("payment_intent_id"),
    chargeId: text("charge_id"),
    credits: bigint("credits", { mode: "number" }).notNull(),
    priceCents: bigint("price_cents", { mode: "number" }).notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: PURCHASE_STATUSES }).notNull().default("pending"),
    /** Credits taken back by refunds so far (never more than `credits`). */
    creditsRefunded: bigint("credits_refunded", { mode: "number" }).notNull().default(0),
    receiptUrl: text("receipt_url"),
    failureReason: text("failure_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    paidAt: timestamp("paid_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("credit_purchases_checkout_session_id_idx").on(t.checkoutSessionId),
    uniqueIndex("credit_purchases_payment_intent_id_idx").on(t.paymentIntentId),
    index("credit_purchases_org_id_created_at_idx").on(t.orgId, t.createdAt),
  ],
);

/** Stripe events the operator must look at: a payment for an unknown org or pack, a dispute. Recorded once per event. */
export const billingProblems = pgTable(
  "billing_problems",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** No foreign key: the event may name an org that does not exist. */
    orgId: text("org_id"),
    kind: text("kind").notNull(),
    stripeEventId: text("stripe_event_id").notNull(),
    stripeObjectId: text("stripe_object_id"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("billing_problems_stripe_event_id_kind_idx").on(t.stripeEventId, t.kind)],
);

export type CreditPack = typeof creditPacks.$inferSelect;
export type BillingAccount = typeof billingAccounts.$inferSelect;
export type CreditPurchase = typeof creditPurchases.$inferSelect;
