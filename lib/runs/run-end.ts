import type { RunStatus } from "@/db/schema";

/** What a finished run tells its stream, whatever the protocol. */
export type RunEnd = {
  runId: string;
  status: RunStatus;
  text: string;
  citations: string[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  creditsCharged: number;
  executionTimeS: number;
  /** The model's unified finish reason ("stop", "length", …), when the run itself ended the stream. */
  finishReason?: string;
  error?: {
    code: string;
    message: string;
    /** Every model call was turned away for capacity (rate limits, overload): the SSE error event's CAPACITY_ERROR (docs/contract.md, the SSE protocol). */
    capacity?: boolean;
    retryAfterS?: number;
  };
  /**
   * The client tool calls the run ended with (finishReason "tool-calls"): the caller runs them and
   * sends their results in its next request. Absent when none.
   */
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: string }>;
  /** Structured output: the validated answer, when the workflow declares an output schema. */
  output?: unknown;
};
