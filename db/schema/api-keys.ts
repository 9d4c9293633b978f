import { index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(), // key_…
    orgId: text("org_id").notNull().references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull().default("Default key"),
    // SHA-256 of the secret; the secret itself is shown once and never stored.
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(), // e.g. "sk_h9e8…" for display
    /** Requests per minute; null → the default policy. */
    rateLimitPerMinute: integer("rate_limit_per_minute"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_keys_key_hash_idx").on(t.keyHash), index("api_keys_org_id_idx").on(t.orgId)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
