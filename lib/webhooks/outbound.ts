import "server-only";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

// Outbound requests to URLs that org admins chose (webhook endpoints; later HTTP tools). A URL
// naming a private, loopback, link-local or other special-purpose address — or this host's own
// address on any interface — would let them probe the network we run in (SSRF), so the address is
// checked — the resolved one, not the name, which could resolve to 127.0.0.1 — and the connection
// is pinned to the very address checked: a second lookup (DNS rebinding) never happens.

// The IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates): every block that is not
// globally reachable, the two globally reachable exceptions inside 192.0.0.0/24 aside; plus
// multicast 224.0.0.0/4 (its own registry) and 240.0.0.0/4 with 255.255.255.255.
const SPECIAL_V4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 29],
  ["192.0.0.8", 32],
  ["192.0.0.11", 32],
  ["192.0.0.12", 30],
  ["192.0.0.16", 28],
  ["192.0.0.32", 27],
  ["192.0.0.64", 26],
  ["192.0.0.128", 25],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];
// IPv6: only 2000::/3 is global unicast (the IANA IPv6 Address Space registry), so everything
// outside it is refused — ::/128, ::1, the deprecated IPv4-compatible ::/96, 64:ff9b::/96 and
// 64:ff9b:1::/48 (NAT64, which would reach the IPv4 behind it), 100::/64, fc00::/7, fe80::/10,
// fec0::/10, ff00::/8 — except ::ffff:0:0/96, an IPv4 address judged as that address. Inside
// 2000::/3, the IPv6 Special-Purpose Address Registry's blocks that are not globally reachable:
// 2001::/23 (with the exceptions it lists as globally reachable, below), 2001:db8::/32, 2002::/16
// (6to4, which embeds an IPv4 address), 3fff::/20 (documentation) and 5f00::/16 (SRv6 SIDs).
const SPECIAL_V6: [string, number][] = [
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["3fff::", 20],
  ["5f00::", 16],
];
/** Inside 2001::/23, the registry's globally reachable blocks: PCP, TURN and DNS-SD SRP anycast, AMT, AS112-v6, ORCHIDv2, drone DETs. */
const GLOBAL_IN_2001_23: [string, number][] = [
  ["2001:1::1", 128],
  ["2001:1::2", 128],
  ["2001:1::3", 128],
  ["2001:3::", 32],
  ["2001:4:112::", 48],
  ["2001:20::", 28],
  ["2001:30::", 28],
];

const blockList = (v4: [string, number][], v6: [string, number][]) => {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, "ipv6");
  return list;
};
const SPECIAL = blockList(SPECIAL_V4, SPECIAL_V6);
const GLOBAL_EXCEPTIONS = blockList([], GLOBAL_IN_2001_23);
const GLOBAL_UNICAST_V6 = blockList([], [["2000::", 3]]);
const IPV4_MAPPED = blockList([], [["::ffff:0:0", 96]]);

/** How long the host's interface addresses are trusted before they are read again (an interface can come up, DHCP can renumber). */
const HOST_ADDRESSES_TTL_MS = 30_000;
let hostAddresses: { list: BlockList; readAt: number } | undefined;

/** This host's addresses on every interface, read now (os.networkInterfaces()). */
function readHostAddresses() {
  const list = new BlockList();
  for (const infos of Object.values(os.networkInterfaces())) {
    for (const i of infos ?? []) list.addAddress(i.address.replace(/%.*$/, ""), i.family === "IPv6" ? "ipv6" : "ipv4");
  }
  return { list, readAt: Date.now() };
}

function isHostAddress(address: string, type: "ipv4" | "ipv6") {
  if (!hostAddresses || Date.now() - hostAddresses.readAt > HOST_ADDRESSES_TTL_MS) hostAddresses = readHostAddresses();
  return hostAddresses.list.check(address, type);
}
hostAddresses = readHostAddresses(); // at start

/**
 * Whether an outbound request must not go to `address` (an IP literal, as resolved): a private,
 * loopback, link-local, multicast, documentation or any other special-purpose address of the IANA
 * registries, an IPv4-mapped IPv6 address of one, or an address of this host's own interfaces.
 * Anything that is not an IP address is refused too.
 */
export function isForbiddenOutboundAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, "").replace(/%.*$/, ""); // brackets; an IPv6 zone id (fe80::1%eth0)
  const version = isIP(ip);
  if (version === 4) return SPECIAL.check(ip, "ipv4") || isHostAddress(ip, "ipv4");
  if (version !== 6) return true;
  // BlockList judges ::ffff:a.b.c.d (in any spelling) by its IPv4 rules.
  if (IPV4_MAPPED.check(ip, "ipv6")) return SPECIAL.check(ip, "ipv6") || isHostAddress(ip, "ipv6");
  if (!GLOBAL_UNICAST_V6.check(ip, "ipv6")) return true;
  return (SPECIAL.check(ip, "ipv6") && !GLOBAL_EXCEPTIONS.check(ip, "ipv6")) || isHostAddress(ip, "ipv6");
}

/** A webhook URL as admins may register it: http(s), no credentials, at most 2048 characters. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid_request", "url must be an absolute http(s) URL");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || raw.length > 2048)
    throw new AppError("invalid_request", "url must be an absolute http(s) URL of at most 2048 characters");
  if (url.username || url.password) throw new AppError("invalid_request", "url must not carry credentials");
  return url;
}

export type PinnedAddress = { address: string; family: number };
/** A host's addresses, as the check sees them (the system resolver; tests inject their own). */
export type ResolveHost = (host: string) => Promise<PinnedAddress[]>;
const systemResolve: ResolveHost = (host) => lookup(host, { all: true, verbatim: true });

/** A socket `lookup` that answers every name with the checked address: the connection goes there and nowhere else. */
function pinnedLookup(pinned: PinnedAddress): LookupFunction {
  return (_host, opts, cb) =>
    (opts as { all?: boolean }).all
      ? (cb as unknown as (e: null, a: PinnedAddress[]) => void)(null, [pinned])
      : cb(null, pinned.address, pinned.family);
}

/**
 * The address to connect to: the host's first resolved address, after every one it resolves to
 * was checked with isForbiddenOutboundAddress (a name with one such address among public ones is
 * refused). Refused unless WEBHOOKS_ALLOW_PRIVATE=1 (`allowPrivate`: the caller's own switch, e.g. TOOLS_ALLOW_PRIVATE).
 */
export async function resolveAllowedAddress(
  url: URL,
  allowPrivate = getEnv().WEBHOOKS_ALLOW_PRIVATE,
  resolveHost: ResolveHost = systemResolve,
): Promise<PinnedAddress> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await resolveHost(host).catch(() => {
        throw new AppError("invalid_request", `${host} does not resolve`);
      });
  if (!addresses.length) throw new AppError("invalid_request", `${host} does not resolve`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isForbiddenOutboundAddress(a.address));
    if (bad)
      throw new AppError(
        "invalid_request",
        `${host} resolves to a private, loopback, link-local, special-purpose or this host's own address (${bad.address}): refused`,
      );
  }
  return addresses[0]!;
}

export type PostResult = { status: number; body: string; latencyMs: number };

/** The receiver did not answer within the time allowed (its endpoint's circuit counts these). */
export class NoAnswerError extends Error {}

/**
 * POSTs `body` to `url`, connected to `pinned` only; at most `timeoutMs` in all, and the first
 * `keepChars` of the answer kept (1 KB by default; `truncated` says when more came).
 */
export function postPinned(
  url: URL,
  pinned: PinnedAddress,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  { keepChars = 1024, signal }: { keepChars?: number; signal?: AbortSignal } = {},
): Promise<PostResult & { truncated: boolean }> {
  const started = performance.now();
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
        // The checked address, whatever the name resolves to now (TLS still verifies the name).
        lookup: pinnedLookup(pinned),
      },
      (res) => {
        let kept = "";
        let truncated = false;
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          if (kept.length + d.length > keepChars) truncated = true;
          if (kept.length < keepChars) kept += d.slice(0, keepChars - kept.length);
          // Nothing more is read than is kept (and a little): a receiver that streams gigabytes costs one cut.
          if (truncated) res.destroy();
        });
        const done = () =>
          resolve({ status: res.statusCode ?? 0, body: kept, truncated, latencyMs: Math.round(performance.now() - started) });
        res.on("end", done);
        res.on("close", done);
        res.on("error", reject);
      },
    );
    const deadline = setTimeout(() => req.destroy(new NoAnswerError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("close", () => clearTimeout(deadline));
    req.on("timeout", () => req.destroy(new NoAnswerError(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (signal) {
      if (signal.aborted) req.destroy(signal.reason as Error);
      else signal.addEventListener("abort", () => req.destroy(signal.reason as Error), { once: true });
    }
    req.end(body);
  });
}

/**
 * fetch, connected to `pinned` only (a client that takes a fetch, e.g. the MCP SDK's transport):
 * no second lookup of the name, no pooled socket of another request (`agent: false`), redirects not
 * followed (a 3xx is an error). The body is a string or none; the answer streams as it arrives.
 */
export function fetchPinned(url: URL, pinned: PinnedAddress, init: RequestInit = {}): Promise<Response> {
  if (init.body != null && typeof init.body !== "string") return Promise.reject(new TypeError("fetchPinned sends string bodies only"));
  const body = init.body ?? undefined;
  const headers: Record<string, string | number> = Object.fromEntries(new Headers(init.headers).entries());
  if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
  const method = (init.method ?? "GET").toUpperCase();
  const mod = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method, headers, agent: false, lookup: pinnedLookup(pinned), signal: init.signal ?? undefined },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          return reject(new TypeError(`redirect (${status}) not followed`));
        }
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const one of [v ?? []].flat()) out.append(k, one);
        const noBody = method === "HEAD" || status === 204 || status === 304;
        if (noBody) res.resume();
        resolve(
          new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage,
            headers: out,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
