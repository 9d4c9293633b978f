import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

// The instance's operators beside FLOWGATE_OPERATOR_EMAILS (lib/operator): managed with
// `npm run admin -- operator add|remove --email`. An address counts only for a user who verified it.
export const operators = pgTable("operators", {
  /** Lowercased. */
  email: text("email").primaryKey(),
  /** Who added it: "cli", or an operator's e-mail. */
  addedBy: text("added_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type OperatorRow = typeof operators.$inferSelect;
