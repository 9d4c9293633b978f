"use client";

import { useMemo, useState } from "react";
import { Field, Input, TextArea } from "@/components/ui";
import { MAX_STEPS_LIMIT, SECRET_PLACEHOLDER, toolsField, type WorkflowTool } from "@/lib/workflows/tools";

/**
 * The draft's tools as a JSON array (checked with the server's own schema as it is typed) and its
 * step limit. Header values show as the placeholder; left as it is, a value keeps what is stored.
 */
export function ToolsField({
  tools,
  maxSteps,
  onTools,
  onMaxSteps,
  onIssue,
}: {
  tools: WorkflowTool[];
  maxSteps: number;
  onTools: (tools: WorkflowTool[]) => void;
  onMaxSteps: (n: number) => void;
  onIssue: (issue: string | null) => void;
}) {
  const [text, setText] = useState(() => (tools.length ? JSON.stringify(tools, null, 2) : ""));
  const issue = useMemo(() => toolsTextIssue(text), [text]);
  return (
    <div className="grid gap-4 md:col-span-2 md:grid-cols-[1fr_12rem]">
      <div>
        <Field
          label="Tools (optional)"
          hint={`A JSON array. {"type": "function", "name", "description", "parameters"} is run by the caller; {"type": "http", …, "url", "headers"} and {"type": "mcp", "server_url", "headers", "allowed_tools"} run on the server. Header values are stored sealed and shown as ${SECRET_PLACEHOLDER}; leave that to keep a value. docs/tools.md.`}
        >
          <TextArea
            name="tools"
            rows={6}
            value={text}
            aria-invalid={!!issue}
            onChange={(e) => {
              setText(e.target.value);
              const problem = toolsTextIssue(e.target.value);
              onIssue(problem);
              if (!problem) onTools(e.target.value.trim() ? toolsField.parse(JSON.parse(e.target.value)) : []);
            }}
          />
        </Field>
        {issue ? (
          <p role="alert" className="mt-1 text-sm text-red-600">
            Tools {issue}
          </p>
        ) : null}
      </div>
      <Field label="Steps per run" hint="Model calls a run may make with server tools (1: no loop).">
        <Input
          type="number"
          name="maxSteps"
          min={1}
          max={MAX_STEPS_LIMIT}
          value={maxSteps}
          onChange={(e) => onMaxSteps(Number(e.target.value))}
        />
      </Field>
    </div>
  );
}

/** Why the typed tools cannot be saved, or null (empty: no tools). */
function toolsTextIssue(text: string): string | null {
  if (!text.trim()) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "are not valid JSON";
  }
  const r = toolsField.safeParse(parsed);
  if (r.success) return null;
  const i = r.error.issues[0]!;
  return `: ${i.path.length ? `[${i.path.join("].[")}] ` : ""}${i.message}`;
}
