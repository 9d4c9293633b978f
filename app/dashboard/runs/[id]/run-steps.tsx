import type { RunRecord } from "@/lib/runs/schemas";
import { Card } from "@/components/ui";

const STOP_REASONS: Record<string, string> = {
  stop: "the model answered",
  tool_calls: "waiting for the caller's client tool outputs",
  max_steps: "the step limit (max_steps) came first",
  insufficient_credits: "the next step could not be reserved: the run answered with what it had",
  error: "a model call failed",
};

/** A run with tools: each model call (step) with its tokens and credits, and each tool call it made. */
export function RunSteps({ steps, stopReason }: { steps: RunRecord["steps"]; stopReason: string | null }) {
  return (
    <Card title="Steps">
      {stopReason ? (
        <p className="mb-2 text-sm" data-testid="run-stop-reason">
          Stopped: <span className="font-mono">{stopReason}</span> — {STOP_REASONS[stopReason] ?? ""}
        </p>
      ) : null}
      <table className="w-full text-left text-sm" data-testid="run-steps">
        <thead className="text-neutral-500">
          <tr>
            <th>Step</th>
            <th>Model</th>
            <th>Tokens</th>
            <th>Credits</th>
            <th>Tool calls</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={s.step} className="align-top">
              <td>{s.step}</td>
              <td className="font-mono">{s.model}</td>
              <td>
                {s.input_tokens} in · {s.output_tokens} out
              </td>
              <td>{s.credits}</td>
              <td>
                {s.tool_calls.length ? (
                  <ul className="space-y-1">
                    {s.tool_calls.map((c) => (
                      <li key={c.id}>
                        <span className="font-mono">{c.name}</span> ({c.type}) <code className="break-all text-xs">{c.arguments}</code>
                        {" → "}
                        {c.type === "function"
                          ? "to the caller"
                          : `${c.error ? `error ${c.error}` : `${c.answer_bytes.toLocaleString("en-US")} bytes`} in ${c.latency_ms} ms`}
                      </li>
                    ))}
                  </ul>
                ) : (
                  "–"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
