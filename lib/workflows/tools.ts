import { z } from "zod";
import type { WorkflowTool as StoredTool } from "@/db/schema";
import { jsonTooDeep, MAX_JSON_DEPTH } from "@/lib/validation/json-depth";

// Tools a workflow version offers its model (issue 31). Client-safe: the editor validates with
// these same schemas before it saves, so nothing here may import server code.
//
// - function: a client tool. The model's call ends its turn and goes to the caller, who runs it
//   and sends the result back.
// - http: a server tool. Flowgate POSTs the model's arguments as JSON to `url` (signed the Standard
//   Webhooks way) and feeds the answer back to the model.
// - mcp: the tools of a remote MCP server (Streamable HTTP), listed at publish and snapshotted
//   into the version (`snapshot`), called server-side like http tools.
//
// Header values are secrets: at rest they are sealed (never plain text in the database), and no
// API, export, log or error returns them.

export const MAX_TOOLS = 32;
export const MAX_TOOL_SCHEMA_CHARS = 20_000;
export const MAX_STEPS_LIMIT = 10;
export const MAX_TOOL_HEADERS = 16;
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const toolName = z.string().regex(TOOL_NAME, "must match ^[a-zA-Z0-9_-]{1,64}$");
const description = z.string().max(4_000);

/** A tool's parameters: a JSON Schema object with an object at the root, at most MAX_TOOL_SCHEMA_CHARS of JSON. */
export const toolParameters = z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object" }).superRefine((s, ctx) => {
  if (jsonTooDeep(s)) return ctx.addIssue({ code: "custom", message: `must nest at most ${MAX_JSON_DEPTH} levels of arrays and objects` });
  if (JSON.stringify(s).length > MAX_TOOL_SCHEMA_CHARS)
    return ctx.addIssue({ code: "custom", message: `must be at most ${MAX_TOOL_SCHEMA_CHARS} characters of JSON` });
  if (s.type !== "object") ctx.addIssue({ code: "custom", message: 'must describe an object ("type": "object" at the root)' });
});

/** Header name → value. The value is a secret (sealed at rest; see the file comment). */
const toolHeaders = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name"), z.string().max(8_000))
  .refine((h) => Object.keys(h).length <= MAX_TOOL_HEADERS, `at most ${MAX_TOOL_HEADERS} headers`);

const httpsUrl = z
  .string()
  .max(2_000)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http(s) URL");

export const functionTool = z.object({
  type: z.literal("function"),
  name: toolName,
  description: description.default(""),
  parameters: toolParameters,
});

export const httpTool = z.object({
  type: z.literal("http"),
  name: toolName,
  description: description.default(""),
  parameters: toolParameters,
  url: httpsUrl,
  headers: toolHeaders.optional(),
});

/** One tool of an MCP server as listed when the version was published. */
export const mcpToolSnapshot = z.object({ name: toolName, description: description.default(""), parameters: toolParameters });

export const mcpTool = z.object({
  type: z.literal("mcp"),
  server_url: httpsUrl,
  headers: toolHeaders.optional(),
  /** Only these of the server's tools (default: all of them, up to MAX_TOOLS in the whole version). */
  allowed_tools: z.array(toolName).max(MAX_TOOLS).optional(),
  /** Filled in at publish: the server's tools (after allowed_tools), frozen into the version. */
  snapshot: z.array(mcpToolSnapshot).max(MAX_TOOLS).optional(),
});

export const workflowTool = z.discriminatedUnion("type", [functionTool, httpTool, mcpTool]);
export type WorkflowTool = z.output<typeof workflowTool>;
// The database column's type is written out in db/schema (db imports nothing from lib): both ways assignable.
true satisfies WorkflowTool extends StoredTool ? (StoredTool extends WorkflowTool ? true : false) : false;
export type FunctionTool = z.output<typeof functionTool>;
export type HttpTool = z.output<typeof httpTool>;
export type McpTool = z.output<typeof mcpTool>;

/** The version content field: at most MAX_TOOLS tools with unique names (an MCP server's snapshot counts its tools). */
export const toolsField = z
  .array(workflowTool)
  .max(MAX_TOOLS)
  .superRefine((tools, ctx) => {
    const names = toolNames(tools);
    if (names.length > MAX_TOOLS) ctx.addIssue({ code: "custom", message: `at most ${MAX_TOOLS} tools in all (MCP servers' tools count)` });
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) ctx.addIssue({ code: "custom", message: `tool name "${n}" is used twice` });
      seen.add(n);
    }
  });

/** Model calls a run may make: 1 = no server-side loop. */
export const maxStepsField = z.int().min(1).max(MAX_STEPS_LIMIT);

/**
 * What a header value reads as anywhere outside the server (the editor, the management API, an
 * export). Written back unchanged it means "keep the stored value" (lib/workflows/tool-secrets.ts).
 */
export const SECRET_PLACEHOLDER = "[secret]";

/** The tools with every header value replaced by SECRET_PLACEHOLDER: what the editor, the API and exports show. */
export function maskToolHeaders(tools: WorkflowTool[]): WorkflowTool[] {
  return tools.map((t) =>
    t.type !== "function" && t.headers
      ? { ...t, headers: Object.fromEntries(Object.keys(t.headers).map((h) => [h, SECRET_PLACEHOLDER])) }
      : t,
  );
}

/** Every tool name the model sees (an MCP server's snapshotted tools by their own names). */
export function toolNames(tools: WorkflowTool[]): string[] {
  return tools.flatMap((t) => (t.type === "mcp" ? (t.snapshot ?? []).map((s) => s.name) : [t.name]));
}
