// The one place a tool's header values are read (issue 31): they are secrets, sealed at rest once
// the definition surfaces land (lib/crypto's openSecret()); this is where the unsealing plugs in.
// Never log or return what this gives.

export function toolHeaders(tool: { headers?: Record<string, string> }): Record<string, string> {
  return { ...(tool.headers ?? {}) };
}
