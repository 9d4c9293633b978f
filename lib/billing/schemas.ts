import { z } from "zod";

// The billing API's bodies and answers (/api/v1/billing…, admin keys).

const url = z.string().max(2048).meta({ description: "Absolute http(s) URL on this server's origin (the dashboard)." });

/** POST /api/v1/billing/checkout */
export const checkoutBody = z
  .object({
    pack_id: z
      .string()
      .min(1)
      .max(100)
      .meta({ description: "A pack on sale (pack_…), from GET /api/v1/billing.", examples: ["pack_abc123"] }),
    success_url: url.optional(),
    cancel_url: url.optional(),
  })
  .strict();

export const checkoutResponse = z.object({
  success: z.literal(true),
  session_id: z.string().meta({ description: "The Stripe Checkout Session (cs_…)." }),
  url: z.string().meta({ description: "Stripe's hosted payment page: send the buyer there." }),
  purchase_id: z.string(),
});

const pack = z.object({
  pack_id: z.string(),
  name: z.string(),
  credits: z.int(),
  price_cents: z.int(),
  currency: z.string(),
  archived: z.boolean(),
  created_at: z.string(),
});

export const autoTopUpView = z.object({
  enabled: z.boolean(),
  threshold: z.int().nullable().meta({ description: "Top up when a run leaves the balance under this many credits." }),
  pack_id: z.string().nullable(),
  monthly_cap_cents: z.int().nullable().meta({ description: "At most this much charged by auto top-ups per UTC month." }),
  disabled_reason: z.string().nullable().meta({ description: "Why auto top-up turned itself off (a declined charge)." }),
  has_payment_method: z.boolean(),
});

const purchase = z.object({
  purchase_id: z.string(),
  pack_id: z.string(),
  source: z.enum(["checkout", "auto_top_up"]),
  checkout_session_id: z.string().nullable(),
  status: z.enum(["pending", "paid", "failed"]),
  credits: z.int(),
  credits_refunded: z.int(),
  price_cents: z.int(),
  currency: z.string(),
  receipt_url: z.string().nullable(),
  failure_reason: z.string().nullable(),
  created_at: z.string(),
  paid_at: z.string().nullable(),
});

/** GET /api/v1/billing */
export const billingResponse = z.object({
  success: z.literal(true),
  balance: z.int(),
  buying_enabled: z
    .boolean()
    .meta({ description: "False when this server has no Stripe configuration (credits are granted by the operator)." }),
  packs: z.array(pack),
  auto_top_up: autoTopUpView,
  purchases: z.array(purchase).meta({ description: "The latest 50, newest first." }),
});
export type BillingSummary = z.input<typeof billingResponse>;

/** PATCH /api/v1/billing/auto-top-up */
export const autoTopUpBody = z
  .object({
    enabled: z.boolean(),
    threshold: z
      .int()
      .min(1)
      .max(1_000_000_000_000)
      .optional()
      .meta({ description: "Top up when a run leaves the balance under this many credits." }),
    pack_id: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "The pack bought each time (a pack on sale, in the org's currency)." }),
    monthly_cap_cents: z
      .int()
      .min(1)
      .max(100_000_000_000)
      .optional()
      .meta({ description: "At most this much per UTC month, in the pack's minor unit; at least one pack's price." }),
  })
  .strict();
export const autoTopUpResponse = z.object({ success: z.literal(true), auto_top_up: autoTopUpView });
