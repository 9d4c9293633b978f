import "server-only";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { fetchPinned, resolveAllowedAddress, type ResolveHost } from "@/lib/webhooks/outbound";
import { boundAnswer } from "./bounds";
import { toolError, type ToolOutcome } from "./outcome";
import { toolHeaders } from "./tool-headers";

// Remote MCP servers over Streamable HTTP, with the official SDK's client: their tools are listed
// when a version is published (snapshotted into it) and called server-side during runs. Each use
// is one short session (initialize, one request, close): nothing is held between runs.

export type McpServerDef = { server_url: string; headers?: Record<string, string> };
export type ListedMcpTool = { name: string; description: string; parameters: Record<string, unknown> };

/** Raw bytes one MCP response may carry (framing included); the answer itself is then cut at 100 KB. */
const MAX_MCP_RESPONSE_BYTES = 1_000_000;

/** What an MCP session depends on, for tests to inject: how a host is resolved for the address check. */
export type McpDeps = { resolveHost?: ResolveHost };

/**
 * fetch for the MCP transport: every request's host is checked like a webhook's (public addresses
 * only unless TOOLS_ALLOW_PRIVATE=1; https unless so too) and the request connects to the very
 * address checked (fetchPinned: no second lookup, so a name that rebinds to a private address
 * after the check is never reached), redirects are refused, and a response body larger than
 * MAX_MCP_RESPONSE_BYTES is cut off (an error, not a slow memory leak).
 */
function guardedFetch(allowPrivate: boolean, resolveHost: ResolveHost | undefined) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (input instanceof Request) throw new TypeError("the MCP transport passes a URL, not a Request");
    const url = new URL(input);
    if (url.protocol !== "https:" && !allowPrivate) throw new AppError("invalid_request", "MCP server URLs must be https");
    const pinned = await resolveAllowedAddress(url, allowPrivate, resolveHost);
    const res = await fetchPinned(url, pinned, init);
    if (!res.body) return res;
    let seen = 0;
    const limited = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          seen += chunk.byteLength;
          if (seen > MAX_MCP_RESPONSE_BYTES) ctl.error(new Error(`MCP response over ${MAX_MCP_RESPONSE_BYTES} bytes`));
          else ctl.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

async function withSession<T>(
  server: McpServerDef,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  deps: McpDeps,
  use: (c: Client) => Promise<T>,
) {
  const env = getEnv();
  const transport = new StreamableHTTPClientTransport(new URL(server.server_url), {
    requestInit: { headers: toolHeaders(server) },
    fetch: guardedFetch(env.TOOLS_ALLOW_PRIVATE, deps.resolveHost),
  });
  const client = new Client({ name: "flowgate", version: "1" });
  const deadline = AbortSignal.timeout(timeoutMs);
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  try {
    await client.connect(transport, { signal: both, timeout: timeoutMs });
    return await use(client);
  } finally {
    await client.close().catch(() => {});
  }
}

/** The server's tools (all pages), or an AppError saying why they could not be listed. */
export async function listMcpTools(server: McpServerDef, deps: McpDeps = {}): Promise<ListedMcpTool[]> {
  const timeoutMs = getEnv().TOOL_TIMEOUT_MS;
  try {
    return await withSession(server, timeoutMs, undefined, deps, async (c) => {
      const out: ListedMcpTool[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const r = await c.listTools(cursor ? { cursor } : undefined, { timeout: timeoutMs });
        for (const t of r.tools)
          out.push({ name: t.name, description: t.description ?? "", parameters: t.inputSchema as Record<string, unknown> });
        cursor = r.nextCursor;
        if (!cursor) break;
      }
      return out;
    });
  } catch (e) {
    const why = e instanceof AppError ? e.message : e instanceof Error ? e.message.slice(0, 200) : "unknown error";
    throw new AppError("invalid_request", `The MCP server ${hostOf(server.server_url)} could not be listed: ${why}`);
  }
}

/** Calls one tool of an MCP server with validated arguments; whatever goes wrong is an error result for the model. */
export async function callMcpTool(
  server: McpServerDef,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
  deps: McpDeps = {},
): Promise<ToolOutcome> {
  const timeoutMs = getEnv().TOOL_TIMEOUT_MS;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const r = await withSession(server, timeoutMs, signal, deps, (c) =>
      c.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs, signal }),
    );
    const parts = Array.isArray(r.content) ? (r.content as Array<{ type: string; text?: string }>) : [];
    const text = parts.map((p) => (p.type === "text" ? (p.text ?? "") : `[${p.type} content]`)).join("\n");
    const answer = text || (r.structuredContent ? JSON.stringify(r.structuredContent) : "");
    if (r.isError) return { output: `Tool error (tool_error): ${boundAnswer(answer)}`, error: "tool_error", latencyMs: ms() };
    return { output: boundAnswer(answer), error: null, latencyMs: ms() };
  } catch (e) {
    if (signal.aborted) return toolError("canceled", "the run ended before the tool answered", ms());
    if (e instanceof AppError) return toolError("refused", e.message, ms());
    const msg = e instanceof Error ? e.message : "";
    if (/timed? ?out|timeout|aborted/i.test(msg)) return toolError("timeout", `no answer within ${timeoutMs} ms`, ms());
    return toolError("unreachable", "the MCP server could not be reached", ms());
  }
}

function hostOf(u: string) {
  try {
    return new URL(u).host;
  } catch {
    return "(invalid URL)";
  }
}
