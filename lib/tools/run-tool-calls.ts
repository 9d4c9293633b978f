import "server-only";
import { callHttpTool, type HttpToolDef } from "./call-http-tool";
import { callMcpTool, type McpServerDef } from "./mcp-client";
import { MAX_TOOL_CALLS_PER_STEP, TOOL_CONCURRENCY } from "./bounds";
import { toolError, type ToolOutcome } from "./outcome";
import { toolSigningSecrets } from "./signing-secret";
import { checkToolArguments } from "./validate-arguments";

// A step's server tool calls, run at most TOOL_CONCURRENCY at once, each bounded (arguments checked
// against the schema first, a timeout, a cut answer). Structural tool types: lib/tools does not
// import lib/workflows (which imports it, for listing MCP servers at publish).

type Schema = Record<string, unknown>;
export type ToolDefs = Array<
  | { type: "function"; name: string; parameters: Schema }
  | ({ type: "http"; parameters: Schema } & HttpToolDef)
  | ({ type: "mcp"; snapshot?: Array<{ name: string; parameters: Schema }> } & McpServerDef)
>;

export type ResolvedTool =
  | { kind: "client"; name: string }
  | { kind: "http"; name: string; parameters: Schema; def: HttpToolDef }
  | { kind: "mcp"; name: string; parameters: Schema; server: McpServerDef };

/** Every tool the model may call by name: what runs it, and its schema. */
export function resolveTools(tools: ToolDefs): Map<string, ResolvedTool> {
  const m = new Map<string, ResolvedTool>();
  for (const t of tools) {
    if (t.type === "function") m.set(t.name, { kind: "client", name: t.name });
    else if (t.type === "http") m.set(t.name, { kind: "http", name: t.name, parameters: t.parameters, def: t });
    else for (const s of t.snapshot ?? []) m.set(s.name, { kind: "mcp", name: s.name, parameters: s.parameters, server: t });
  }
  return m;
}

export type ToolCall = { toolCallId: string; toolName: string; input: string };

/** Runs the calls (all of them server tools or unknown names), in their order; each gets an outcome. */
export async function runToolCalls(
  calls: ToolCall[],
  tools: Map<string, ResolvedTool>,
  o: { orgId: string; runId: string; signal: AbortSignal },
): Promise<ToolOutcome[]> {
  const outcomes: ToolOutcome[] = new Array(calls.length);
  let secrets: string[] | undefined;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= calls.length) return;
      const call = calls[i]!;
      if (i >= MAX_TOOL_CALLS_PER_STEP) {
        outcomes[i] = toolError("too_many_calls", `at most ${MAX_TOOL_CALLS_PER_STEP} tool calls per step; this one was not run`);
        continue;
      }
      const tool = tools.get(call.toolName);
      if (!tool || tool.kind === "client") {
        outcomes[i] = toolError("unknown_tool", `there is no tool named ${JSON.stringify(call.toolName.slice(0, 64))}`);
        continue;
      }
      const args = checkToolArguments(tool.parameters, call.input);
      if (!args.ok) {
        outcomes[i] = toolError("invalid_arguments", args.message);
        continue;
      }
      if (o.signal.aborted) {
        outcomes[i] = toolError("canceled", "the run ended before the tool was called");
        continue;
      }
      if (tool.kind === "http") {
        secrets ??= await toolSigningSecrets(o.orgId);
        outcomes[i] = await callHttpTool(tool.def, args.value, { secrets, callId: call.toolCallId, runId: o.runId, signal: o.signal });
      } else {
        outcomes[i] = await callMcpTool(tool.server, tool.name, args.value, o.signal);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TOOL_CONCURRENCY, calls.length) }, worker));
  return outcomes;
}
