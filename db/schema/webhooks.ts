import { boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const WEBHOOK_EVENTS = [
  "run.completed",
  "run.failed",
  "run.canceled",
  "workflow.published",
  "label.moved",
  "billing.auto_top_up_failed",
  "eval.completed",
  "budget.threshold",
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

// Endpoints an org's admins registered (lib/webhooks), and every event sent to one of them.
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(), // wh_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events", { enum: WEBHOOK_EVENTS }).array().notNull(),
    /**
     * whsec_<base64>: the HMAC key deliveries are signed with (Standard Webhooks). Kept as is, unlike
     * API keys, because signing needs it; shown once, never in a log, a page or an audit entry.
     */
    secret: text("secret").notNull(),
    /** Opt-in: run events carry the run's inputs and output (otherwise ids and usage only). */
    includeData: boolean("include_data").notNull().default(false),
    /** Since when every delivery has failed (cleared by a success): a day of that disables the endpoint. */
    failingSince: timestamp("failing_since", { withTimezone: true }),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    disabledReason: text("disabled_reason"),
    /** Attempts in a row that got no answer in time (cleared by any answer): a few open the circuit. */
    timeoutsInARow: integer("timeouts_in_a_row").notNull().default(0),
    /** The circuit is open until then: the endpoint's deliveries wait, holding no worker (lib/webhooks/deliver.ts). */
    circuitOpenUntil: timestamp("circuit_open_until", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_org_id_idx").on(t.orgId)],
);

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(), // msg_…: the webhook-id header, the same on every attempt
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventType: text("event_type", { enum: WEBHOOK_EVENTS }).notNull(),
    /** The body as sent: {type, timestamp, data}. */
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** The last attempt: HTTP status (null: no answer), latency, the start of the answer, or why there was none. */
    lastStatus: integer("last_status"),
    lastLatencyMs: integer("last_latency_ms"),
    lastResponse: text("last_response"),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
    // The operator's instance health: deliveries of the last day, whatever the endpoint.
    index("webhook_deliveries_created_at_idx").on(t.createdAt),
  ],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
