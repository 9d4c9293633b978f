import { and, asc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { modelPrices } from "../schema";

export async function getModelPrice(db: DbOrTx, { provider, model }: { provider: string; model: string }) {
  const [row] = await db
    .select()
    .from(modelPrices)
    .where(and(eq(modelPrices.provider, provider), eq(modelPrices.model, model)))
    .limit(1);
  return row;
}

export async function listModelPrices(db: DbOrTx) {
  return db.select().from(modelPrices).orderBy(asc(modelPrices.provider), asc(modelPrices.model));
}

/** Sets (or changes) a model's price. Runs already started keep the price they reserved with. */
export async function upsertModelPrice(db: DbOrTx, p: { provider: string; model: string; inputPerM: number; outputPerM: number }) {
  const [row] = await db
    .insert(modelPrices)
    .values(p)
    .onConflictDoUpdate({
      target: [modelPrices.provider, modelPrices.model],
      set: { inputPerM: p.inputPerM, outputPerM: p.outputPerM, updatedAt: sql`now()` },
    })
    .returning();
  return row!;
}
