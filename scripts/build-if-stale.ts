// Builds the production app when .next is missing or older than the sources (e2e tests, bench).
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const SOURCES = [
  "app",
  "lib",
  "db",
  "components",
  "proxy.ts",
  "instrumentation.ts",
  "next.config.ts",
  "package-lock.json",
  "patches",
  "postcss.config.mjs",
];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Returns the build's duration in ms, or null when the build was current. `show` streams its output. */
export async function buildIfStale(root: string, { show = false }: { show?: boolean } = {}): Promise<number | null> {
  const stamp = path.join(root, ".next", "BUILD_ID");
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (built > Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))))) return null;
  const started = Date.now();
  if (show) {
    const code = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], { cwd: root, stdio: "inherit" }).on(
        "exit",
        resolve,
      ),
    );
    if (code !== 0) throw new Error(`next build failed (exit ${code})`);
    return Date.now() - started;
  }
  await promisify(execFile)(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    maxBuffer: 64 << 20,
  }).catch((e) => {
    throw new Error(`next build failed:\n${String(e.stdout).slice(-4000)}\n${String(e.stderr).slice(-4000)}`);
  });
  return Date.now() - started;
}
