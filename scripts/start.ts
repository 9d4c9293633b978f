// `npm start`: build when there is no production build or the sources are newer than it, then
// serve on PORT (default 3000).
import { spawn } from "node:child_process";
import path from "node:path";
import { buildIfStale } from "./build-if-stale";
import { nextStartArgs } from "./next-start";

const root = path.resolve(import.meta.dirname, "..");
const ms = await buildIfStale(root, { show: true });
if (ms !== null) console.log(`Built in ${Math.round(ms / 1000)} s.`);
const port = process.env.PORT ?? "3000";
// NEXT_MANUAL_SIG_HANDLE: Next leaves SIGTERM to the app, which drains its runs before exiting (lib/server/boot.ts).
const child = spawn(process.execPath, nextStartArgs(root, ["-p", port]), {
  stdio: "inherit", cwd: root, env: { ...process.env, NEXT_MANUAL_SIG_HANDLE: process.env.NEXT_MANUAL_SIG_HANDLE ?? "true" },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
