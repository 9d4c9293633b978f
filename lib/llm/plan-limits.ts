/** How many fallback models a workflow may list, and the most calls per model (lib/llm/call-with-retries.ts). */
export const MAX_FALLBACK_MODELS = 5;
export const MAX_ATTEMPTS_LIMIT = 10;
