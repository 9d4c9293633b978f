import "server-only";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

// Outbound requests to URLs that org admins chose (webhook endpoints). A URL naming a private,
// loopback or link-local address would let them probe the network we run in (SSRF), so the
// address is checked — the resolved one, not the name, which could resolve to 127.0.0.1 — and the
// connection is pinned to the very address checked: a second lookup (DNS rebinding) never happens.

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) BLOCKED.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96]] as const) BLOCKED.addSubnet(net, prefix, "ipv6");

/** Private, loopback, link-local, multicast or otherwise not a public internet address. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return BLOCKED.check(mapped[1]!, "ipv4");
  return BLOCKED.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** A webhook URL as admins may register it: http(s), no credentials, at most 2048 characters. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid_request", "url must be an absolute http(s) URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || raw.length > 2048) throw new AppError("invalid_request", "url must be an absolute http(s) URL of at most 2048 characters");
  if (url.username || url.password) throw new AppError("invalid_request", "url must not carry credentials");
  return url;
}

/**
 * The address to connect to: the host's first resolved address, after every one it resolves to
 * was checked (a name with one private address among public ones is refused). Refused unless
 * WEBHOOKS_ALLOW_PRIVATE=1.
 */
export async function resolveAllowedAddress(url: URL): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true }).catch(() => {
    throw new AppError("invalid_request", `${host} does not resolve`);
  });
  if (!addresses.length) throw new AppError("invalid_request", `${host} does not resolve`);
  if (!getEnv().WEBHOOKS_ALLOW_PRIVATE) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) throw new AppError("invalid_request", `${host} resolves to a private, loopback or link-local address (${bad.address}): refused`);
  }
  return addresses[0]!;
}

export type PostResult = { status: number; body: string; latencyMs: number };

/** POSTs `body` to `url`, connected to `pinned` only; at most `timeoutMs` in all, and the first 1 KB of the answer kept. */
export function postPinned(url: URL, pinned: { address: string; family: number }, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> {
  const started = performance.now();
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, {
      method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, timeout: timeoutMs,
      // The checked address, whatever the name resolves to now (TLS still verifies the name).
      lookup: (_host, opts, cb) =>
        (opts as { all?: boolean }).all ? (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]) : cb(null, pinned.address, pinned.family),
    }, (res) => {
      let kept = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (kept.length < 1024) kept += d.slice(0, 1024 - kept.length);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: kept, latencyMs: Math.round(performance.now() - started) }));
      res.on("error", reject);
    });
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
