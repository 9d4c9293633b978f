import { getDb } from "@/db";
import { listModelPrices } from "@/db/queries/model-prices";
import { getEnv } from "@/lib/env";
import { getModelInfo } from "./models";
import { DEFAULT_PRICE } from "./prices";
import { isProviderConfigured, listProviders } from "./registry";

export type CatalogueModel = {
  id: string;
  label: string;
  offline: boolean;
  available: boolean;
  /** Credits per 1M tokens; null: unpriced (the default price, or refused under UNPRICED_MODELS=refuse). */
  price: { input: number; output: number } | null;
};

/**
 * What the editor's model picker offers: the priced models of the configured providers (and
 * OpenAI's, marked unavailable until it is configured, and the offline model). A provider's own
 * model names can still be typed in.
 */
export async function listCatalogue(): Promise<CatalogueModel[]> {
  const configured = new Set(listProviders().map((p) => p.name));
  const rows = await listModelPrices(await getDb());
  return rows
    .filter((r) => r.provider === "offline" || r.provider === "openai" || configured.has(r.provider))
    .map((r) => {
      const id = `${r.provider}:${r.model}`;
      return { ...getModelInfo(id), available: isProviderConfigured(id), price: { input: r.inputPerM, output: r.outputPerM } };
    });
}

/** What a model missing from the catalogue costs here (shown next to the picker). */
export function unpricedPolicy() {
  return { refuse: getEnv().UNPRICED_MODELS === "refuse", price: DEFAULT_PRICE };
}
