import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys";
import { orgs } from "./orgs";

// Single-use browser credentials (seed: pub_tok_…). Only the hash is stored; redemption is one
// atomic UPDATE … WHERE used_at IS NULL AND expires_at > now() RETURNING.
export const streamTokens = pgTable(
  "stream_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    apiKeyId: text("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** End user the minting backend attributes the stream to (`?user=`), copied onto the run. */
    endUser: text("end_user"),
    /** Narrowed at mint time: the one workflow this token may run, and the most one run may reserve. */
    workflowId: text("workflow_id"),
    maxCredits: integer("max_credits"),
    /**
     * The version its runs resolve, fixed at mint (`?version=` or `?label=`; both null → what an
     * unpinned call runs): a browser holding the token cannot choose another (an A/B arm, say).
     */
    pinVersion: integer("pin_version"),
    pinLabel: text("pin_label"),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("stream_tokens_expires_at_idx").on(t.expiresAt)],
);

export type StreamToken = typeof streamTokens.$inferSelect;
