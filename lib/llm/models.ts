import { parseModelId } from "./model-id";

// How a model is shown. Prices are data (model_prices, lib/llm/prices.ts), not code.

export type ModelInfo = { id: string; label: string; offline: boolean };

export const OFFLINE_MODEL_ID = "offline:echo";
const OFFLINE_LABEL = "Offline echo (no LLM configured: streams the prompt back)";

export function getModelInfo(id: string): ModelInfo {
  const offline = parseModelId(id)?.provider === "offline";
  return { id, label: id === OFFLINE_MODEL_ID ? OFFLINE_LABEL : id, offline };
}
