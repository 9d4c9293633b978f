import { fundedRecently, type Payer } from "@/lib/credits/funded-recently";
import { getEnv } from "@/lib/env";
import { breakerClosed } from "@/lib/llm/circuit-breaker";
import { streamOptions, type EarlyCall, type EngineCall } from "@/lib/llm/engine";
import type { PreparedRun } from "./prepare-run";
import { usesSteps } from "./run-steps";

// A run's first model call, sent while its credits are reserved instead of after: the model's
// time to first token (hundreds of ms) then hides the reservation's round trip and its wait for
// the org's row under load, which were the largest part of the gateway's own first-token time
// (bench/README.md, round 8). Nothing of the call reaches anyone before the reservation succeeds:
// the engine takes it over only once the run is reserved (lib/llm/call-with-retries.ts), with the
// output ceiling the reservation granted, and aborts it otherwise.
//
// A refused reservation leaves a call the provider may bill for its prompt and that nobody pays
// for, so a call is sent early only for a payer whose last reservation on this instance was
// granted in full (lib/credits/funded-recently.ts): a payer that runs out of credits, cap or budget
// costs at most its calls already in flight, never one per request. Not for runs whose output
// ceiling depends on more than the version (a stream token's max_credits), nor with tools (each
// step reserves its own credits), nor towards a provider whose circuit is not closed.

/** The model settings of a prepared run: the same for a call sent early and for the engine's own. */
export function callSettings(prepared: PreparedRun) {
  const schema = prepared.version.outputSchema;
  return {
    temperature: prepared.version.temperature,
    responseFormat: schema ? ({ type: "json", schema, name: "output" } as const) : undefined,
    toolChoice: prepared.toolChoice,
    providerOptions: prepared.providerOptions,
  } satisfies Partial<EngineCall>;
}

export function dispatchEarly(prepared: PreparedRun, payer: Payer & { maxCredits?: number | null }): EarlyCall | undefined {
  if (!getEnv().EARLY_DISPATCH || usesSteps(prepared.version) || payer.maxCredits != null) return undefined;
  const step = prepared.plan.steps[0];
  if (!step || !breakerClosed(step.provider) || !fundedRecently(payer)) return undefined;
  const ctl = new AbortController();
  const maxOutputTokens = prepared.version.maxOutputTokens;
  const response = Promise.resolve(
    step.model.doStream(
      streamOptions({ ...callSettings(prepared), prompt: prepared.prompt, maxOutputTokens, tools: step.tools }, ctl.signal),
    ),
  );
  // Read by the engine, or dropped: either way its failure is handled there or not at all.
  response.catch(() => {});
  return { model: step.model, maxOutputTokens, response, signal: ctl.signal, abort: (reason) => ctl.abort(reason) };
}
