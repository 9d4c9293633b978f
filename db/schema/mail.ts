import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const MAIL_STATUSES = ["pending", "sent", "written", "failed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

// The delivery log of outgoing mail (lib/mail): one row per message, sent from the job queue.
// The message itself (its links carry tokens) lives only in the job's payload until it is sent;
// this row keeps what an operator needs to see what happened, never a link or a token.
export const mailDeliveries = pgTable(
  "mail_deliveries",
  {
    id: text("id").primaryKey(), // mail_…: also the .eml file name without SMTP
    kind: text("kind").notNull(),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    /** pending (queued or between retries), sent (SMTP accepted it), written (no SMTP: .eml on disk), failed (gave up). */
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    lastAttemptAt: timestamp("last_attempt_at", { withTimezone: true }),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    sentAt: timestamp("sent_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("mail_deliveries_to_created_idx").on(t.toAddress, t.createdAt),
    // The operator's mail log: the newest messages, and the last day's by status.
    index("mail_deliveries_created_at_idx").on(t.createdAt),
  ],
);

export type MailDelivery = typeof mailDeliveries.$inferSelect;
