import type { LanguageModelV4, LanguageModelV4ProviderTool } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { getEnv, type Env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { processSingleton } from "@/lib/process-singleton";
import { httpFetch } from "./http-fetch";
import { OFFLINE_MODEL_ID } from "./models";
import { createOfflineModel } from "./offline-model";
import { parseModelId, type WireApi } from "./model-id";

// The only importer of providers. Workflows store ids like "openai:gpt-4o-mini", "groq:llama-3.1-8b"
// (a provider named in FLOWGATE_PROVIDERS) or "offline:echo"; "openai.chat:<m>" /
// "openai.responses:<m>" force OpenAI's wire API. Every provider is @ai-sdk/openai underneath.

type OpenAIProvider = ReturnType<typeof createOpenAI>;
export type ProviderInfo = { name: string; baseURL: string; api: WireApi; hasKey: boolean };

type Instance = { info: ProviderInfo; create: OpenAIProvider };
// One provider instance per name, built once per parsed environment (tests re-parse it), per process.
const providers = processSingleton("llm-providers", (): { env?: Env; byName: Map<string, Instance> } => ({ byName: new Map() }));

function instances(): Map<string, Instance> {
  const env = getEnv();
  if (providers.env === env) return providers.byName;
  const byName = new Map<string, Instance>();
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    const baseURL = env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
    const api = env.OPENAI_API ?? (env.OPENAI_BASE_URL && !env.OPENAI_BASE_URL.includes("api.openai.com") ? "chat" : "responses");
    byName.set("openai", {
      info: { name: "openai", baseURL, api, hasKey: !!env.OPENAI_API_KEY },
      // Local servers (Ollama, llama.cpp) accept any key; the provider insists on one.
      create: createOpenAI({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY ?? "not-needed", fetch: httpFetch }),
    });
  }
  for (const [name, spec] of Object.entries(env.FLOWGATE_PROVIDERS)) {
    byName.set(name, {
      info: { name, baseURL: spec.base_url, api: spec.api, hasKey: !!spec.api_key },
      create: createOpenAI({ name, baseURL: spec.base_url, apiKey: spec.api_key ?? "not-needed", fetch: httpFetch }),
    });
  }
  providers.env = env;
  providers.byName = byName;
  return byName;
}

/** The configured providers (never their keys), for the health endpoint and the dashboard. */
export function listProviders(): ProviderInfo[] {
  return [...instances().values()].map((i) => i.info);
}

export function isProviderConfigured(modelId: string): boolean {
  const ref = parseModelId(modelId);
  return !!ref && (ref.provider === "offline" || instances().has(ref.provider));
}

/** The provider-agnostic default: a configured OpenAI-compatible model, else the offline one. */
export function defaultModelId(): string {
  const env = getEnv();
  if (env.DEFAULT_MODEL) return env.DEFAULT_MODEL;
  return instances().has("openai") ? "openai:gpt-4o-mini" : OFFLINE_MODEL_ID;
}

/** Which wire API a model id goes to: the forced one, else its provider's. */
export function wireApiOf(modelId: string): WireApi {
  const ref = parseModelId(modelId);
  return ref?.api ?? (ref && instances().get(ref.provider)?.info.api) ?? "chat";
}

/** OpenAI's web search runs on OpenAI's Responses API only. */
export function supportsWebSearch(modelId: string): boolean {
  return parseModelId(modelId)?.provider === "openai" && wireApiOf(modelId) === "responses";
}

export function getLanguageModel(modelId: string): LanguageModelV4 {
  const ref = parseModelId(modelId);
  if (ref?.provider === "offline") return createOfflineModel(ref.model);
  const instance = ref && instances().get(ref.provider);
  if (!ref || !instance) {
    // Only `openai` has a configuration of its own to point at; any other name is a model we do not know.
    if (ref?.provider === "openai") {
      throw new AppError("internal_server_error", undefined, {
        message: `This workflow uses ${modelId}, but no OpenAI-compatible provider is configured (set OPENAI_API_KEY or OPENAI_BASE_URL).`,
        reason: "provider_not_configured",
      });
    }
    throw new AppError("internal_server_error", undefined, { message: `Unknown model "${modelId}".`, reason: "unknown_model" });
  }
  return wireApiOf(modelId) === "chat" ? instance.create.chat(ref.model) : instance.create.responses(ref.model);
}

/** OpenAI's provider-executed web search, as LanguageModelV4 call options carry it (Responses API only). */
export const WEB_SEARCH_TOOL: LanguageModelV4ProviderTool = {
  type: "provider",
  id: "openai.web_search",
  name: "web_search",
  args: {},
};
