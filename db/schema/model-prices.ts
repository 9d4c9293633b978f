import { bigint, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// The priced model catalogue: data the operator manages (`npm run admin -- model price …`), keyed
// by the model actually called — provider name and upstream model name, never the spelling of a
// workflow's id. Prices are integer credits per 1,000,000 tokens (1 credit = US$0.00001, so a
// list price of $0.40 per 1M tokens is 40,000): a run costs ceil(Σ tokens × price / 1M) credits.
export const modelPrices = pgTable(
  "model_prices",
  {
    provider: text("provider").notNull(),
    model: text("model").notNull(),
    inputPerM: bigint("input_per_m", { mode: "number" }).notNull(),
    outputPerM: bigint("output_per_m", { mode: "number" }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.model] })],
);

export type ModelPriceRow = typeof modelPrices.$inferSelect;
