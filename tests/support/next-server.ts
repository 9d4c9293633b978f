// A production server (`next start` on the one build) as a child process, for the e2e, telemetry
// and multi-instance suites: started on a free loopback port, ready once /api/health answers 200.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { nextStartArgs } from "../../scripts/next-start";

const ROOT = path.resolve(import.meta.dirname, "../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export type NextServer = {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  log: () => string;
  /** Sends the signal and waits (at most `timeoutMs`) for the exit; resolves the exit code or signal. */
  stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | string | null>;
};

export async function startNextServer({
  env,
  port,
  readyTimeoutMs = 60_000,
}: {
  env: NodeJS.ProcessEnv;
  port?: number;
  readyTimeoutMs?: number;
}): Promise<NextServer> {
  port ??= await freePort();
  // As `npm start` runs it: with the trusted-proxy preload, and no BETTER_AUTH_URL (the
  // zero-configuration case, the dashboard opened at 127.0.0.1) unless the caller sets one.
  const child = spawn(process.execPath, nextStartArgs(ROOT, ["-p", String(port), "-H", "127.0.0.1"]), {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<number | string | null>((r) => child.once("exit", (code, sig) => r(code ?? sig)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 30_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
    child.kill(signal);
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    return exited.finally(() => clearTimeout(t));
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop("SIGKILL");
      throw new Error(`next start did not become healthy:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, process: child, log: () => log, stop };
}
