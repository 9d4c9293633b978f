// Model ids as workflows store them: "<provider>:<model>". "openai.chat:<m>" / "openai.responses:<m>"
// are OpenAI with a forced wire API: the same model upstream, so the same model everywhere else.

export type WireApi = "responses" | "chat";

/** A model id as called: the provider it goes to and the model name sent upstream. */
export type ModelRef = { provider: string; model: string; api?: WireApi };

export function parseModelId(id: string): ModelRef | undefined {
  const sep = id.indexOf(":");
  if (sep <= 0 || sep === id.length - 1) return undefined;
  const prefix = id.slice(0, sep);
  const model = id.slice(sep + 1);
  if (prefix === "openai.chat") return { provider: "openai", model, api: "chat" };
  if (prefix === "openai.responses") return { provider: "openai", model, api: "responses" };
  return { provider: prefix, model };
}

/**
 * The model actually called, whatever the spelling: `openai.chat:gpt-4.1-mini` and
 * `openai:gpt-4.1-mini` are both `openai:gpt-4.1-mini`. Prices and the circuit breaker key on this.
 */
export function canonicalModelId(id: string): string {
  const ref = parseModelId(id);
  return ref ? `${ref.provider}:${ref.model}` : id;
}
