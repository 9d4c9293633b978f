import "server-only";
import type { WorkflowTool } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { sealSecret } from "@/lib/secrets/sealed";
import { SECRET_PLACEHOLDER } from "./tools";

// Tools' header values are secrets (issue 31): sealed before they are stored (lib/secrets/sealed.ts),
// shown as SECRET_PLACEHOLDER everywhere (maskToolHeaders), and opened only to make the call
// (lib/tools/tool-headers.ts).

/** Which stored tool a written one is "the same as", for keeping its header values: http by name, mcp by server. */
const identity = (t: WorkflowTool) => (t.type === "mcp" ? `mcp ${t.server_url}` : `${t.type} ${t.name}`);

/**
 * The tools as they are stored: each header value sealed; a value written as SECRET_PLACEHOLDER
 * keeps the value stored for the same tool and header in `previous` (the draft being saved over),
 * and is a 400 when there is none (an import, a new tool: the value must be sent).
 */
export function sealToolHeaders(tools: WorkflowTool[], previous: WorkflowTool[] = []): WorkflowTool[] {
  const before = new Map(previous.map((t) => [identity(t), t.type === "function" ? undefined : t.headers]));
  return tools.map((t, i) => {
    if (t.type === "function" || !t.headers) return t;
    const kept = before.get(identity(t));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(t.headers)) {
      if (value === SECRET_PLACEHOLDER) {
        const stored = kept?.[name];
        if (!stored)
          throw new AppError(
            "invalid_request",
            `tools[${i}].headers.${name}: "${SECRET_PLACEHOLDER}" keeps a stored value, and this tool has none: send the header's value`,
          );
        headers[name] = stored;
      } else headers[name] = sealSecret(value); // what a client sends is plain text, even if it looks sealed
    }
    return { ...t, headers };
  });
}
