import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The arguments of `node` for `next start` in `root`: with the client-address preload
 * (scripts/trusted-proxy.mjs), so the app only sees X-Forwarded-For from trusted proxies.
 */
export function nextStartArgs(root: string, args: string[]): string[] {
  return [
    "--import", pathToFileURL(path.join(root, "scripts/trusted-proxy.mjs")).href,
    path.join(root, "node_modules/next/dist/bin/next"), "start", ...args,
  ];
}
