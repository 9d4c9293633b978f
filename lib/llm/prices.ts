import { getDb } from "@/db";
import { getModelPrice, listModelPrices, upsertModelPrice } from "@/db/queries/model-prices";
import type { RunPrice } from "@/db/schema";
import { lookupCache } from "@/lib/cache/lookup-cache";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { canonicalModelId, parseModelId } from "./model-id";

// What a model costs, looked up by the model actually called (canonicalModelId), never by how a
// workflow spelled it. Reused for up to LOOKUP_CACHE_TTL_MS, like key and version lookups: a price
// change reaches every instance within that bound, and only runs that reserve after it.

/** The price of a model with no row, where UNPRICED_MODELS=default allows it: 1 credit per token. */
export const DEFAULT_PRICE: RunPrice = { input: 1_000_000, output: 1_000_000 };

export type ModelPrice = RunPrice & { priced: boolean };

// Misses are cached too (as null): an unpriced model in a hot workflow must not cost a query per run.
const cache = lookupCache<{ price: RunPrice | null }>("model-price");

/** The model's price, or the default one (priced: false) when it has none. */
export async function lookupModelPrice(modelId: string): Promise<ModelPrice> {
  const canonical = canonicalModelId(modelId);
  const ref = parseModelId(canonical);
  const hit = ref
    ? await cache.get(canonical, canonical, async () => {
        const row = await getModelPrice(await getDb(), ref);
        return { price: row ? { input: row.inputPerM, output: row.outputPerM } : null };
      })
    : undefined;
  return hit?.price ? { ...hit.price, priced: true } : { ...DEFAULT_PRICE, priced: false };
}

/** The price a run is charged at; with UNPRICED_MODELS=refuse an unpriced model does not run. */
export async function priceForRunOrThrow(modelId: string): Promise<RunPrice> {
  const { priced, ...price } = await lookupModelPrice(modelId);
  if (!priced && getEnv().UNPRICED_MODELS === "refuse") {
    const canonical = canonicalModelId(modelId);
    throw new AppError("internal_server_error", undefined, {
      message:
        `${canonical} has no price, and this server refuses unpriced models (UNPRICED_MODELS=refuse). ` +
        `An operator can price it: npm run admin -- model price --model ${canonical} --input <credits per 1M tokens> --output <credits per 1M tokens>`,
      reason: "model_not_priced",
    });
  }
  return price;
}

export async function listPrices() {
  return (await listModelPrices(await getDb())).map((r) => ({
    model: `${r.provider}:${r.model}`,
    input_per_m: r.inputPerM,
    output_per_m: r.outputPerM,
    updated_at: r.updatedAt.toISOString(),
  }));
}

const MAX_PRICE_PER_M = 1_000_000_000_000; // credits per 1M tokens: far above any real price, far below overflow

/** `model price`: sets a model's price (credits per 1M tokens), keyed by the model called. */
export async function setModelPrice({ model, input, output }: { model: string; input: number; output: number }) {
  const ref = parseModelId(model);
  if (!ref || model.length > 200) throw new AppError("invalid_request", "--model must be <provider>:<model>, e.g. openai:gpt-4.1-mini");
  for (const [name, v] of [
    ["input", input],
    ["output", output],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_PRICE_PER_M) {
      throw new AppError("invalid_request", `--${name} must be a whole number of credits per 1M tokens, 0 to ${MAX_PRICE_PER_M}`);
    }
  }
  const row = await upsertModelPrice(await getDb(), { provider: ref.provider, model: ref.model, inputPerM: input, outputPerM: output });
  cache.forget(`${ref.provider}:${ref.model}`);
  return {
    model: `${row.provider}:${row.model}`,
    input_per_m: row.inputPerM,
    output_per_m: row.outputPerM,
    updated_at: row.updatedAt.toISOString(),
  };
}
