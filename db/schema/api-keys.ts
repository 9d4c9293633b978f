import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

/** What a key may do: run workflows (the default), manage them over the management API (CI), or both. */
export const API_SCOPES = ["run", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(), // key_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull().default("Default key"),
    // SHA-256 of the secret; the secret itself is shown once and never stored.
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(), // e.g. "sk_h9e8…" for display
    /** Requests per minute; null → the default policy. */
    rateLimitPerMinute: integer("rate_limit_per_minute"),
    /** Requests per minute per end user of its token traffic (a stream token's user, a run body's `user`); null → none. */
    endUserRateLimitPerMinute: integer("end_user_rate_limit_per_minute"),
    /** Its permissions (API_SCOPES); separate from the restrictions below, which narrow what it may touch. */
    scopes: text("scopes", { enum: API_SCOPES }).array().notNull().default(["run"]),
    // Scope. Null means "not restricted" for each of these.
    /** The only workflows this key (and its stream tokens) may run or describe. */
    workflowIds: text("workflow_ids").array(),
    /** Browser origins allowed to use this key's stream tokens (CORS grant), e.g. https://app.example.com. */
    allowedOrigins: text("allowed_origins").array(),
    /** Most credits this key may spend per period (see creditCapPeriod). */
    creditCap: bigint("credit_cap", { mode: "number" }),
    /** "day" or "month" (UTC; the cap refills at the start of each), or "total" (never refills). */
    creditCapPeriod: text("credit_cap_period", { enum: ["day", "month", "total"] }),
    /** Credits held or spent in the current period, and when that period started. */
    capUsed: bigint("cap_used", { mode: "number" }).notNull().default(0),
    capPeriodStart: timestamp("cap_period_start", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_keys_key_hash_idx").on(t.keyHash), index("api_keys_org_id_idx").on(t.orgId)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
