// The seed's example imports AI SDK 4's `ai/react`; the pages bundle it from the ai@4 alias
// (esbuild `alias`), and this gives the type checker the same mapping.
declare module "ai/react" {
  export * from "ai-v4/react";
}
