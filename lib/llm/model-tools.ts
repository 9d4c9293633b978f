import type { JSONSchema7, LanguageModelV4FunctionTool, LanguageModelV4ToolChoice } from "@ai-sdk/provider";
import type { WorkflowTool } from "@/db/schema";
import { AppError } from "@/lib/errors";

// The function tools a model call offers (issue 31): a version's tools, all three kinds, and the
// caller's own (the OpenAI-compatible surface's `tools`). Which of them runs where is not decided
// here: a client tool's call goes back to the caller, an http or mcp tool is run by the server
// (lib/runs), a caller's tool is a client tool.

/** Who runs a tool the model calls: the caller (function tools, the caller's own) or the server (http, mcp). */
export type ToolExecutor = "client" | "server";

/** A tool the caller sent with its request: the same shape a version's function tool has. */
export type CallerTool = { name: string; description?: string; parameters: Record<string, unknown> };

/** Every tool of a version as the model is offered it (an MCP server's snapshotted tools by their own names). */
export function modelToolsFor(v: { tools?: WorkflowTool[] | null }): LanguageModelV4FunctionTool[] {
  return (v.tools ?? []).flatMap((t) =>
    t.type === "mcp"
      ? (t.snapshot ?? []).map((s) => functionToolOf(s.name, s.description, s.parameters))
      : [functionToolOf(t.name, t.description, t.parameters)],
  );
}

/** Tool name → who runs it, for a version's tools. A name not in the map is the caller's (a client tool). */
export function toolExecutors(v: { tools?: WorkflowTool[] | null }): Map<string, ToolExecutor> {
  const m = new Map<string, ToolExecutor>();
  for (const t of v.tools ?? []) {
    if (t.type === "mcp") for (const s of t.snapshot ?? []) m.set(s.name, "server");
    else m.set(t.name, t.type === "function" ? "client" : "server");
  }
  return m;
}

/**
 * The version's tools plus the caller's: a caller tool may not take the name of one of the
 * version's (it would shadow it, or reach a server tool's endpoint with the caller's arguments).
 */
export function mergeCallerTools(versionTools: LanguageModelV4FunctionTool[], caller: CallerTool[], param = "tools") {
  const taken = new Set(versionTools.map((t) => t.name));
  const seen = new Set<string>();
  caller.forEach((t, i) => {
    if (taken.has(t.name))
      throw new AppError(
        "invalid_request",
        `Invalid parameter: ${param}[${i}] is named ${t.name}, which the workflow's own tool is named`,
        {
          param: `${param}[${i}]`,
        },
      );
    if (seen.has(t.name))
      throw new AppError("invalid_request", `Invalid parameter: ${param}[${i}] is named ${t.name}, like an earlier tool`, {
        param: `${param}[${i}]`,
      });
    seen.add(t.name);
  });
  return [...versionTools, ...caller.map((t) => functionToolOf(t.name, t.description ?? "", t.parameters))];
}

/** OpenAI's `tool_choice` (chat's and the Responses API's forms) for the offered tools; 400 for a tool not offered. */
export function toolChoiceOf(
  choice: unknown,
  offered: LanguageModelV4FunctionTool[],
  param = "tool_choice",
): LanguageModelV4ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "none" || choice === "required") return { type: choice };
  const c = choice as { type?: unknown; name?: unknown; function?: { name?: unknown } };
  const name = c?.type === "function" ? (c.function?.name ?? c.name) : undefined;
  if (typeof name !== "string")
    throw new AppError("invalid_request", `Invalid parameter: ${param} must be "auto", "none", "required" or {type: "function", name}`, {
      param,
    });
  if (!offered.some((t) => t.name === name))
    throw new AppError("invalid_request", `Invalid parameter: ${param} names ${name.slice(0, 64)}, which is not an offered tool`, {
      param,
    });
  return { type: "tool", toolName: name };
}

function functionToolOf(name: string, description: string, parameters: Record<string, unknown>): LanguageModelV4FunctionTool {
  return { type: "function", name, ...(description ? { description } : {}), inputSchema: parameters as JSONSchema7 };
}
