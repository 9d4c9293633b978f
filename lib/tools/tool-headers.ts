import { openSecret } from "@/lib/secrets/sealed";

// The one place a tool's header values are read (issue 31): they are secrets, sealed at rest
// (lib/workflows/tool-secrets.ts seals them on every write; docs/tools.md). Never log or return
// what this gives.

export function toolHeaders(tool: { headers?: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(Object.entries(tool.headers ?? {}).map(([name, value]) => [name, openSecret(value)]));
}
