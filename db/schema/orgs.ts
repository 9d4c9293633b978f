import { bigint, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const orgs = pgTable("orgs", {
  id: text("id").primaryKey(), // org_…
  name: text("name").notNull(),
  // Available credits. Changed only in the same transaction as a credit_ledger insert
  // (see lib/credits/README.md), so the ledger always sums to it.
  creditBalance: bigint("credit_balance", { mode: "number" }).notNull().default(0),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Org = typeof orgs.$inferSelect;
