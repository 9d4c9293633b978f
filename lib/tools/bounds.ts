// The bounds a run's tools work within, checked before any work (docs/tools.md, "Bounds"). The
// definitions' own bounds (32 tools, schemas of 20 KB, names, 1–10 steps) are lib/workflows/tools.ts.

/** An answer (HTTP body, MCP result text) fed back to the model: at most this many characters, cut with a note. */
export const MAX_TOOL_ANSWER_CHARS = 100_000;
/** The model's arguments for one call: larger ones are an error result, and no call is made. */
export const MAX_TOOL_ARGUMENT_CHARS = 64_000;
/** Server tool calls of one run running at once. */
export const TOOL_CONCURRENCY = 4;
/** Tool calls the model may make in one step; more are answered with an error result, unexecuted. */
export const MAX_TOOL_CALLS_PER_STEP = 16;
/** What the run record keeps of a call's arguments. */
export const RECORDED_ARGUMENT_CHARS = 4_000;

/** The answer as the model gets it: cut at MAX_TOOL_ANSWER_CHARS with a note that says so. */
export function boundAnswer(text: string, truncated = false): string {
  if (text.length <= MAX_TOOL_ANSWER_CHARS && !truncated) return text;
  return `${text.slice(0, MAX_TOOL_ANSWER_CHARS)}\n[answer cut at ${MAX_TOOL_ANSWER_CHARS} characters]`;
}
