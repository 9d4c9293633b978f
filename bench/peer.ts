// The peer a user would pick instead of us: Portkey's open-source gateway (@portkey-ai/gateway, a
// devDependency), run from its own bin on loopback and pointed at the same fake upstream. Its
// streaming relies on @hono/node-server 1.13.5 (package.json `overrides`); on Node 24 that version
// warns "Failed to find Response internal state key" once at start, which is harmless.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Target } from "./load";
import { owned } from "./servers";

export type Peer = { child: ChildProcess; pid: number; base: string; target: (name: string, upstream: string, body: string) => Target };

/** `nodeArgs` go to the peer's node (a heap cap, as for ours). */
export async function startPeer(root: string, nodeArgs: string[] = []): Promise<Peer> {
  const port = 4300 + Math.floor(Math.random() * 90);
  const bin = path.join(root, "node_modules/@portkey-ai/gateway/build/start-server.js");
  // --headless and NODE_ENV=production: no log UI, no log stream; loopback.mjs keeps it off the network.
  const child = owned(
    spawn(process.execPath, [...nodeArgs, "--import", path.join(root, "bench/loopback.mjs"), bin, `--port=${port}`, "--headless"], {
      cwd: root,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Ready for connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`peer gateway exited ${code}: ${out.slice(-500)}`)));
  });
  child.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  return {
    child,
    pid: child.pid!,
    base,
    // OpenAI-compatible request, provider and upstream chosen per request by header (no config file).
    target: (name, upstream, body) => ({
      name,
      method: "POST",
      url: `${base}/v1/chat/completions`,
      body,
      firstTokenMarker: '"content":"tok',
      headers: { authorization: "Bearer bench", "x-portkey-provider": "openai", "x-portkey-custom-host": upstream },
    }),
  };
}
