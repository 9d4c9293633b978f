import { AppError } from "@/lib/errors";
import { listMcpTools, type ListedMcpTool } from "@/lib/tools/mcp-client";
import { MAX_TOOLS, toolsField, TOOL_NAME, toolParameters, type McpTool, type WorkflowTool } from "./tools";

// Publishing a version freezes its MCP servers' tools into it (`snapshot`): listed over the network
// BEFORE the publish transaction (no lock is held while a server answers), then applied to the
// locked draft. A run calls exactly the tools its version was published with.

const keyOf = (t: McpTool) => JSON.stringify([t.server_url, t.allowed_tools ?? null]);

/** Lists every MCP server of `tools` (each once); an unreachable one, or a tool it cannot offer, is a clear 400. */
export async function listMcpServers(tools: WorkflowTool[]): Promise<Map<string, ListedMcpTool[]>> {
  const listed = new Map<string, ListedMcpTool[]>();
  for (const t of tools) {
    if (t.type !== "mcp" || listed.has(keyOf(t))) continue;
    listed.set(keyOf(t), await listMcpTools(t));
  }
  return listed;
}

/** The tools with each MCP server's snapshot filled in (allowed_tools applied), checked as a version's tools are (32 in all, unique names). */
export function withMcpSnapshots(tools: WorkflowTool[], listed: Map<string, ListedMcpTool[]>): WorkflowTool[] {
  const out = tools.map((t): WorkflowTool => {
    if (t.type !== "mcp") return t;
    const all = listed.get(keyOf(t));
    if (!all) throw new AppError("invalid_request", "The draft's tools changed while it was being published: publish again");
    const host = new URL(t.server_url).host;
    const allowed = t.allowed_tools ? new Set(t.allowed_tools) : null;
    for (const name of allowed ?? []) {
      if (!all.some((x) => x.name === name))
        throw new AppError("invalid_request", `The MCP server ${host} has no tool named ${JSON.stringify(name)} (allowed_tools)`);
    }
    const picked = all.filter((x) => !allowed || allowed.has(x.name));
    if (picked.length > MAX_TOOLS)
      throw new AppError(
        "invalid_request",
        `The MCP server ${host} offers ${picked.length} tools: at most ${MAX_TOOLS} in all (use allowed_tools)`,
      );
    const snapshot = picked.map((x) => {
      if (!TOOL_NAME.test(x.name))
        throw new AppError(
          "invalid_request",
          `The MCP server ${host} offers a tool named ${JSON.stringify(x.name.slice(0, 80))}, which does not match ^[a-zA-Z0-9_-]{1,64}$ (leave it out with allowed_tools)`,
        );
      const parameters = toolParameters.safeParse(x.parameters);
      if (!parameters.success)
        throw new AppError(
          "invalid_request",
          `The MCP server ${host}'s tool ${x.name}: its input schema ${parameters.error.issues[0]!.message}`,
        );
      return { name: x.name, description: x.description.slice(0, 4_000), parameters: parameters.data };
    });
    return { ...t, snapshot };
  });
  const checked = toolsField.safeParse(out);
  if (!checked.success)
    throw new AppError("invalid_request", `The version's tools, with its MCP servers' tools: ${checked.error.issues[0]!.message}`);
  return out;
}
