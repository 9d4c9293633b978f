/** What one server tool call gave the model: its answer (or an error text), and what the run record keeps of it. */
export type ToolOutcome = {
  /** Fed back to the model as the tool's result (an error result when `error` is set). */
  output: string;
  /** Why the call failed, short (invalid_arguments, timeout, http_500, unreachable, refused, …); null on success. */
  error: string | null;
  latencyMs: number;
};

export function toolError(error: string, message: string, latencyMs = 0): ToolOutcome {
  return { output: `Tool error (${error}): ${message}`, error, latencyMs };
}
