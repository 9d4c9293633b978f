import { boolean, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

// An organization's account-security and notice settings (docs/account.md). No row: the defaults.
export const orgSettings = pgTable("org_settings", {
  orgId: text("org_id").primaryKey().references(() => orgs.id, { onDelete: "cascade" }),
  /** Members without two-factor sign-in are sent to enrol before they can use the organization. */
  requireTwoFactor: boolean("require_two_factor").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type OrgSettings = typeof orgSettings.$inferSelect;
