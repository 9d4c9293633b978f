import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// scripts/trusted-proxy.mjs in a real process, in front of a plain HTTP server that echoes the
// X-Forwarded-For it receives (what Next, better-auth and our code would read). Requests leave
// from distinct loopback addresses (127.0.0.x), so the socket address is known and not 127.0.0.1.

const ROOT = path.resolve(import.meta.dirname, "../..");
const ECHO = `require("node:http").createServer((req, res) => res.end(JSON.stringify({ xff: req.headers["x-forwarded-for"] ?? null, realIp: req.headers["x-real-ip"] ?? null })))
  .listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;
const children: ChildProcess[] = [];

async function serve(hops: string | undefined): Promise<number> {
  const env = { ...process.env, TRUSTED_PROXY_HOPS: hops };
  if (hops === undefined) delete env.TRUSTED_PROXY_HOPS;
  const child = spawn(process.execPath, ["--import", "./scripts/trusted-proxy.mjs", "-e", ECHO], { cwd: ROOT, env });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", (code) => reject(new Error(`exited ${code}`)));
  });
}

function get(port: number, from: string, headers: Record<string, string>) {
  return new Promise<{ xff: string | null; realIp: string | null }>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, localAddress: from, headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(JSON.parse(body)));
      })
      .on("error", reject);
  });
}

afterAll(() => children.forEach((c) => c.kill()));

describe("client address (TRUSTED_PROXY_HOPS)", () => {
  it("unset → the socket address; a client's X-Forwarded-For and X-Real-IP are ignored", async () => {
    const port = await serve(undefined);
    expect(await get(port, "127.0.0.5", { "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9" })).toEqual({
      xff: "127.0.0.5",
      realIp: null,
    });
    expect(await get(port, "127.0.0.6", {})).toEqual({ xff: "127.0.0.6", realIp: null });
  });

  it("1 → the address the proxy appended (the last entry), not what the client put before it", async () => {
    const port = await serve("1");
    expect((await get(port, "127.0.0.5", { "x-forwarded-for": "198.51.100.1, 203.0.113.9" })).xff).toBe("203.0.113.9");
    // Sent straight to the app, bypassing the proxy: the socket is all there is.
    expect((await get(port, "127.0.0.5", {})).xff).toBe("127.0.0.5");
  });

  it("2 → two entries left of the socket", async () => {
    const port = await serve("2");
    expect((await get(port, "127.0.0.5", { "x-forwarded-for": "198.51.100.1, 203.0.113.9, 10.0.0.2" })).xff).toBe("203.0.113.9");
  });

  it("refuses to start with a value that is not a number of proxies", async () => {
    await expect(serve("true")).rejects.toThrow(/exited 1/);
  });
});
