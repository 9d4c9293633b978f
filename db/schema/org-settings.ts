import { bigint, boolean, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { user } from "./auth";
import { orgs } from "./orgs";

// An organization's account-security and notice settings (docs/account.md). No row: the defaults.
export const orgSettings = pgTable("org_settings", {
  orgId: text("org_id")
    .primaryKey()
    .references(() => orgs.id, { onDelete: "cascade" }),
  /** Members without two-factor sign-in are sent to enrol before they can use the organization. */
  requireTwoFactor: boolean("require_two_factor").notNull().default(false),
  /** Owners and admins are mailed when the balance falls under this (null: the default, lib/notices). */
  lowBalanceThreshold: bigint("low_balance_threshold", { mode: "number" }),
  /**
   * The balance as the notice sweep last saw it: ok, low or zero; null until first seen. A notice
   * goes out on a change to low or zero, never on first sight (a new org at 0 is not news).
   */
  balanceNotice: text("balance_notice", { enum: ["ok", "low", "zero"] }),
  /**
   * Keep runs' inputs and outputs this many days after they finish, then clear them (lib/retention);
   * null: forever (the default); 0: keep only metering (tokens, credits, status, timings, model).
   */
  retentionDays: integer("retention_days"),
  /** Mask e-mail addresses, phone and card numbers in the runs' stored inputs and outputs (lib/retention/mask-pii.ts). */
  maskPii: boolean("mask_pii").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type OrgSettings = typeof orgSettings.$inferSelect;

export const NOTICE_TOPICS = ["balance", "webhooks", "budgets"] as const;
export type NoticeTopic = (typeof NOTICE_TOPICS)[number];

/** Notices a person stopped (the unsubscribe link), per organization and topic. Security mail has no topic. */
export const noticeOptOuts = pgTable(
  "notice_opt_outs",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    topic: text("topic", { enum: NOTICE_TOPICS }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.orgId, t.topic] })],
);

/** Clients (a hash of the user agent) an account has signed in from: a new one is mailed about. */
export const userClients = pgTable(
  "user_clients",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    clientHash: text("client_hash").notNull(),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientHash] })],
);
