import { createClient } from "redis";
import { logger } from "@/lib/logger";
import type { Limiter } from "./limiter";
import { createRatelimitLimiter } from "./ratelimit-limiter";
import { createRedisAdapter } from "./redis-adapter";

/**
 * The self-hosted backend (REDIS_URL): @upstash/ratelimit's scripts over node-redis. The client is
 * set up so that a Redis that is down costs a request nothing but the fail mode: commands are
 * refused at once while disconnected instead of queued, connecting is bounded, it reconnects on
 * its own forever, and an 'error' event is logged, never thrown (which would kill the process).
 */
export function createRedisLimiter(url: string, { keyPrefix }: { keyPrefix?: string } = {}): Limiter {
  const client = createClient({
    url,
    // Without this node-redis queues commands while disconnected and answers them on reconnect,
    // however late: requests would wait for the limiter timeout every time.
    disableOfflineQueue: true,
    // Bounds memory when Redis accepts commands but stops answering (a frozen server).
    commandsQueueMaxLength: 1000,
    // No per-command timer: checkLimit bounds the wait itself (RATE_LIMIT_TIMEOUT_MS). node-redis's
    // default arms AbortSignal.timeout(5000) for every command, and each such timer keeps the
    // request's async context (Next's request store: the request, the response) alive for 5 s after
    // the command answered — ~1,200 finished requests held at 250 req/s (bench/README.md, round 5).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: 2000,
      // 50 ms doubling to 2 s, with jitter so many instances do not reconnect in step; never gives
      // up (returning false would close the client for good).
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) + Math.floor(Math.random() * 100),
    },
  });
  // Logged on each change of state, not on every failed reconnect attempt (one 'error' each).
  let everReady = false;
  let reported = false;
  client.on("error", (err: Error) => {
    if (!reported) logger.warn("redis unavailable, rate limits follow RATE_LIMIT_FAIL_MODE", { err: err.message });
    reported = true;
  });
  client.on("ready", () => {
    if (reported) logger.info("redis reconnected");
    reported = false;
    everReady = true;
  });
  // The first requests wait for the first connection attempt (bounded by the connect timeout and
  // by checkLimit), later ones never wait for a reconnect.
  const firstAttempt = new Promise<void>((resolve) => {
    client.once("ready", () => resolve());
    client.once("error", () => resolve());
  });
  client.connect().catch(() => {
    // Reported through the 'error' event; the client keeps reconnecting.
  });
  // An idle limiter must not keep a CLI or a test process alive.
  client.unref();

  const raw = {
    sendCommand: async (args: string[]) => {
      if (!everReady) await firstAttempt;
      return client.sendCommand(args);
    },
  };
  return createRatelimitLimiter({
    kind: "redis",
    redis: createRedisAdapter(raw),
    keyPrefix,
    ping: () => raw.sendCommand(["PING"]),
    close: async () => {
      client.destroy();
    },
  });
}
