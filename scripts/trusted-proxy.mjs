// Preloaded into the `next start` process (`node --import`, see scripts/next-start.ts), before
// Next creates its server: the client address is taken only from trusted proxies.
//
// Next passes a client-sent X-Forwarded-For through untouched (it only fills the header in when
// absent, base-server.js), and better-auth keys its sign-in and sign-up rate limits on that
// header, so rotating it gave unlimited password guesses. Here every request's X-Forwarded-For is
// replaced by the one address we trust: the socket's with TRUSTED_PROXY_HOPS=0 (the default: no
// proxy, a client's header is ignored), else the address that many hops to the left of it in the
// chain each proxy appends to. Everything downstream (better-auth, our code) reads that header.
//
// Plain JavaScript with no imports of ours but its sibling: it runs before Next, outside its
// bundling. Like drizzle.config.ts it reads process.env itself (lib/env.ts validates the same
// variable for the app).
import http from "node:http";
import { serveDirectly } from "./direct-routes.mjs";

const raw = process.env.TRUSTED_PROXY_HOPS ?? "0";
if (!/^\d{1,2}$/.test(raw)) throw new Error(`TRUSTED_PROXY_HOPS must be a whole number of proxies (0-99), got ${JSON.stringify(raw)}`);
const hops = Number(raw);

/**
 * The client address: the socket's, or with `hops` trusted proxies in front, the entry `hops`
 * places left of the socket in `forwardedFor, socket` (each proxy appends the address it saw).
 * A shorter chain than configured yields its leftmost entry (the request bypassed a proxy).
 * @param {string | undefined} forwardedFor @param {string | undefined} socket @param {number} hops
 */
export function clientAddress(forwardedFor, socket, hops) {
  if (!socket) return undefined;
  if (hops === 0) return socket;
  const chain = [
    ...(forwardedFor ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean),
    socket,
  ];
  return chain[Math.max(0, chain.length - 1 - hops)];
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event === "request") {
    const req = args[0];
    const ip = clientAddress(req.headers["x-forwarded-for"], req.socket?.remoteAddress, hops);
    if (ip) req.headers["x-forwarded-for"] = ip;
    else delete req.headers["x-forwarded-for"];
    // Nothing may read a client-chosen address from these either.
    delete req.headers["x-real-ip"];
    // The hot endpoints' handlers, without Next's routing: here, once the address is settled.
    if (serveDirectly(req, args[1])) return true;
  }
  return emit.call(this, event, ...args);
};
globalThis.__flowgateTrustedProxyHops = hops;
