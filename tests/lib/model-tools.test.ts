import { describe, expect, it } from "vitest";
import type { WorkflowTool } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { mergeCallerTools, modelToolsFor, toolChoiceOf, toolExecutors } from "@/lib/llm/model-tools";

const obj = { type: "object", properties: {} };
const tools: WorkflowTool[] = [
  { type: "function", name: "get_weather", description: "Weather", parameters: obj },
  {
    type: "http",
    name: "lookup_order",
    description: "",
    parameters: obj,
    url: "https://example.com/orders",
    headers: { "x-key": "secret" },
  },
  {
    type: "mcp",
    server_url: "https://mcp.example.com/mcp",
    snapshot: [
      { name: "search_docs", description: "Search", parameters: obj },
      { name: "read_doc", description: "", parameters: obj },
    ],
  },
];

describe("the tools a model call offers", () => {
  it("every kind as a function tool (an MCP server's snapshot by its tools' names), nothing else of them (no url, no headers)", () => {
    expect(modelToolsFor({ tools })).toEqual([
      { type: "function", name: "get_weather", description: "Weather", inputSchema: obj },
      { type: "function", name: "lookup_order", inputSchema: obj },
      { type: "function", name: "search_docs", description: "Search", inputSchema: obj },
      { type: "function", name: "read_doc", inputSchema: obj },
    ]);
    expect(JSON.stringify(modelToolsFor({ tools }))).not.toContain("secret");
    expect(modelToolsFor({ tools: [] })).toEqual([]);
  });

  it("who runs each: function tools the client, http and mcp the server; a caller's tool is not in the map (the client's)", () => {
    expect(Object.fromEntries(toolExecutors({ tools }))).toEqual({
      get_weather: "client",
      lookup_order: "server",
      search_docs: "server",
      read_doc: "server",
    });
  });

  it("merges the caller's tools after the version's; a name taken (by any kind) or repeated is a 400 naming the tool", () => {
    const own = modelToolsFor({ tools });
    expect(mergeCallerTools(own, [{ name: "get_time", parameters: obj }]).map((t) => t.name)).toEqual([
      "get_weather",
      "lookup_order",
      "search_docs",
      "read_doc",
      "get_time",
    ]);
    for (const name of ["get_weather", "lookup_order", "read_doc"]) {
      expect(() => mergeCallerTools(own, [{ name, parameters: obj }])).toThrowError(AppError);
    }
    expect(() =>
      mergeCallerTools(
        [],
        [
          { name: "a", parameters: obj },
          { name: "a", parameters: obj },
        ],
      ),
    ).toThrowError(/like an earlier tool/);
  });

  it("tool_choice in both of OpenAI's forms; a tool not offered or a shape it does not know is a 400", () => {
    const offered = modelToolsFor({ tools });
    expect(toolChoiceOf(undefined, offered)).toBeUndefined();
    expect(toolChoiceOf("required", offered)).toEqual({ type: "required" });
    expect(toolChoiceOf({ type: "function", function: { name: "get_weather" } }, offered)).toEqual({
      type: "tool",
      toolName: "get_weather",
    });
    expect(toolChoiceOf({ type: "function", name: "read_doc" }, offered)).toEqual({ type: "tool", toolName: "read_doc" });
    expect(() => toolChoiceOf({ type: "function", name: "nope" }, offered)).toThrowError(/not an offered tool/);
    expect(() => toolChoiceOf("sometimes", offered)).toThrowError(/must be "auto"/);
  });
});
