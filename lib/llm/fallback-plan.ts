import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { z } from "zod";
import type { RunPrice, WorkflowTool } from "@/db/schema";
import { logger } from "@/lib/logger";
import { MAX_ATTEMPTS_LIMIT, MAX_FALLBACK_MODELS } from "./plan-limits";
import { canonicalModelId, parseModelId } from "./model-id";
import { modelToolsFor } from "./model-tools";
import { priceForRunOrThrow } from "./prices";
import { getLanguageModel, isProviderConfigured, supportsWebSearch, WEB_SEARCH_TOOL } from "./registry";

/** One model a run may call: the primary first, then the fallbacks in order. */
export type PlanStep = {
  /** As the workflow spells it. */
  modelId: string;
  /** The model called (prices, the breaker, the run's attempts). */
  canonical: string;
  provider: string;
  model: LanguageModelV4;
  tools: LanguageModelV4CallOptions["tools"];
  price: RunPrice;
};

export type ModelPlan = {
  steps: PlanStep[];
  /** Calls per model before the next one is tried. */
  maxAttempts: number;
  /** Every step's price, snapshotted on the run at its reservation. */
  prices: Record<string, RunPrice>;
  /** The dearest of the steps' prices: what the reservation must cover whichever step answers. */
  reservePrice: RunPrice;
};

/**
 * The models a version may call and their prices, resolved once before the run reserves. The
 * primary must be usable (else the documented 500: unknown model, provider not configured, no
 * price under UNPRICED_MODELS=refuse). A fallback whose provider is no longer configured is
 * left out (logged) rather than failing runs whose primary works.
 */
export async function resolvePlan(
  v: {
    model: string;
    fallbackModels?: string[];
    maxAttempts?: number;
    webSearch: boolean;
    tools?: WorkflowTool[];
  },
  /** The function tools offered: default the version's own (lib/llm/model-tools.ts); with the caller's, mergeCallerTools. */
  functionTools: LanguageModelV4FunctionTool[] = modelToolsFor(v),
): Promise<ModelPlan> {
  const ids = [v.model, ...(v.fallbackModels ?? []).filter((id) => canonicalModelId(id) !== canonicalModelId(v.model))];
  const steps: PlanStep[] = [];
  for (const [i, modelId] of ids.slice(0, MAX_FALLBACK_MODELS + 1).entries()) {
    if (i > 0 && !isProviderConfigured(modelId)) {
      logger.warn("fallback model skipped: provider not configured", { model: modelId });
      continue;
    }
    const model = getLanguageModel(modelId);
    const price = await priceForRunOrThrow(modelId);
    steps.push({
      modelId,
      canonical: canonicalModelId(modelId),
      provider: parseModelId(modelId)!.provider,
      model,
      price,
      tools: toolsOf(functionTools, v.webSearch && supportsWebSearch(modelId)),
    });
  }
  const prices = Object.fromEntries(steps.map((s) => [s.canonical, s.price]));
  const reservePrice = {
    input: Math.max(...steps.map((s) => s.price.input)),
    output: Math.max(...steps.map((s) => s.price.output)),
  };
  return { steps, maxAttempts: Math.min(Math.max(1, v.maxAttempts ?? 3), MAX_ATTEMPTS_LIMIT), prices, reservePrice };
}

function toolsOf(functionTools: LanguageModelV4FunctionTool[], webSearch: boolean): PlanStep["tools"] {
  const tools: NonNullable<PlanStep["tools"]> = [...functionTools, ...(webSearch ? [WEB_SEARCH_TOOL] : [])];
  return tools.length ? tools : undefined;
}
