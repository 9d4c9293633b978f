import type { LanguageModelV4, LanguageModelV4ProviderTool } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { processSingleton } from "@/lib/process-singleton";
import { OFFLINE_MODEL_ID } from "./models";
import { createOfflineModel } from "./offline-model";

// The only importer of providers. Workflows store ids like "openai:gpt-4o-mini" or "offline:echo";
// "openai.chat:<m>" / "openai.responses:<m>" force a wire API.

type OpenAIProvider = ReturnType<typeof createOpenAI>;
// One provider per process, made again when its settings change (tests change them).
const openai = processSingleton("openai-provider", (): { key?: string; provider?: OpenAIProvider } => ({}));

function openaiProvider(): OpenAIProvider | undefined {
  const env = getEnv();
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) return undefined;
  const key = `${env.OPENAI_BASE_URL ?? ""}|${env.OPENAI_API_KEY ?? ""}`;
  if (openai.key !== key || !openai.provider) {
    openai.key = key;
    // Local servers (Ollama, llama.cpp) accept any key; the provider insists on one.
    openai.provider = createOpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY ?? "not-needed" });
  }
  return openai.provider;
}

export function isProviderConfigured(modelId: string): boolean {
  return modelId.startsWith("offline:") || openaiProvider() !== undefined;
}

/** The provider-agnostic default: a configured OpenAI-compatible model, else the offline one. */
export function defaultModelId(): string {
  const env = getEnv();
  if (env.DEFAULT_MODEL) return env.DEFAULT_MODEL;
  return openaiProvider() ? "openai:gpt-4o-mini" : OFFLINE_MODEL_ID;
}

/** Whether `openai:<m>` goes to the Responses API (needed for web search) or chat completions. */
export function openaiWireApi(modelId: string): "responses" | "chat" {
  const [provider] = modelId.split(":");
  if (provider === "openai.chat") return "chat";
  if (provider === "openai.responses") return "responses";
  const env = getEnv();
  return env.OPENAI_API ?? (env.OPENAI_BASE_URL && !env.OPENAI_BASE_URL.includes("api.openai.com") ? "chat" : "responses");
}

export function getLanguageModel(modelId: string): LanguageModelV4 {
  const sep = modelId.indexOf(":");
  const provider = sep > 0 ? modelId.slice(0, sep) : "";
  const name = modelId.slice(sep + 1);
  if (provider === "offline") return createOfflineModel(name);
  if (provider === "openai" || provider === "openai.chat" || provider === "openai.responses") {
    const openai = openaiProvider();
    if (!openai) {
      throw new AppError("internal_server_error", undefined, {
        message: `This workflow uses ${modelId}, but no OpenAI-compatible provider is configured (set OPENAI_API_KEY or OPENAI_BASE_URL).`,
        reason: "provider_not_configured",
      });
    }
    return openaiWireApi(modelId) === "chat" ? openai.chat(name) : openai.responses(name);
  }
  throw new AppError("internal_server_error", undefined, {
    message: `Unknown model "${modelId}".`,
    reason: "unknown_model",
  });
}

/** OpenAI's provider-executed web search, as LanguageModelV4 call options carry it (Responses API only). */
export const WEB_SEARCH_TOOL: LanguageModelV4ProviderTool = {
  type: "provider",
  id: "openai.web_search",
  name: "web_search",
  args: {},
};
