// The model catalogue: what the dashboard offers and what credits cost. Prices are integer
// credits per token, so a ledger of integers stays exact.

export type ModelInfo = {
  id: string;
  label: string;
  provider: "offline" | "openai";
  /** Shown next to the model wherever it appears. */
  offline?: boolean;
  price: { input: number; output: number };
  supportsWebSearch: boolean;
};

import { canonicalModelId, parseModelId } from "./model-id";

export const OFFLINE_MODEL_ID = "offline:echo";

const CATALOGUE: ModelInfo[] = [
  {
    id: OFFLINE_MODEL_ID,
    label: "Offline echo (no LLM configured: streams the prompt back)",
    provider: "offline",
    offline: true,
    price: { input: 1, output: 1 },
    supportsWebSearch: false,
  },
  { id: "openai:gpt-4o-mini", label: "OpenAI gpt-4o-mini", provider: "openai", price: { input: 1, output: 1 }, supportsWebSearch: true },
  { id: "openai:gpt-4.1-mini", label: "OpenAI gpt-4.1-mini", provider: "openai", price: { input: 1, output: 2 }, supportsWebSearch: true },
  { id: "openai:gpt-5-mini", label: "OpenAI gpt-5-mini", provider: "openai", price: { input: 1, output: 2 }, supportsWebSearch: true },
];

const DEFAULT_PRICE = { input: 1, output: 1 };

export function listModels(): ModelInfo[] {
  return CATALOGUE;
}

/** Any `openai:<name>` works (self-hosted servers have their own names); unknown ones cost the default price. */
export function getModelInfo(id: string): ModelInfo {
  const canonical = canonicalModelId(id);
  const known = CATALOGUE.find((m) => m.id === canonical);
  if (known) return known;
  const provider = parseModelId(id)?.provider === "offline" ? "offline" : "openai";
  return { id, label: id, provider, offline: provider === "offline", price: DEFAULT_PRICE, supportsWebSearch: provider === "openai" };
}

export function priceOf(modelId: string, usage: { inputTokens: number; outputTokens: number }) {
  const { price } = getModelInfo(modelId);
  return usage.inputTokens * price.input + usage.outputTokens * price.output;
}
