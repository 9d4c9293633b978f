import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys";

// Idempotency-Key (lib/idempotency): one row per (API key, client key), claimed by inserting it
// before the operation runs, kept 24 h. A row with neither a response nor a run is still in progress.
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    apiKeyId: text("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 of the method, path, query and body: the same key with another request is refused. */
    requestHash: text("request_hash").notNull(),
    /** The run the request starts (its id is chosen at the claim, before the run exists). */
    runId: text("run_id"),
    /** The first answer, once there is one to replay (JSON answers only; a stream replays its run). */
    responseStatus: integer("response_status"),
    responseBody: jsonb("response_body"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] }), index("idempotency_keys_created_at_idx").on(t.createdAt)],
);

export type IdempotencyKey = typeof idempotencyKeys.$inferSelect;
