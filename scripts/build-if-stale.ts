// Builds the production app when .next is missing or older than the sources (e2e tests, bench).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const SOURCES = ["app", "lib", "db", "components", "proxy.ts", "instrumentation.ts", "next.config.ts", "package-lock.json", "postcss.config.mjs"];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

export async function buildIfStale(root: string): Promise<number | null> {
  const stamp = path.join(root, ".next", "BUILD_ID");
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))))) return null;
  const started = Date.now();
  await promisify(execFile)(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, maxBuffer: 64 << 20 }).catch((e) => {
    throw new Error(`next build failed:\n${String(e.stdout).slice(-4000)}\n${String(e.stderr).slice(-4000)}`);
  });
  return Date.now() - started;
}
