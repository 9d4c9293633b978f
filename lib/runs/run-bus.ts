import { createClient } from "redis";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { RunEnd } from "./run-end";
import { processSingleton } from "@/lib/process-singleton";

// Where a resumable run's events live while it runs (and a while after), so a client that lost
// its connection can pick the stream up again — on any instance when Redis is configured (a list
// per run plus a pub/sub channel), in this process otherwise.

export type BusEvent =
  | { seq: number; t: "text"; d: string; i: number }
  | { seq: number; t: "source"; url: string; title?: string }
  | { seq: number; t: "tool-start"; id: string; name: string; server: boolean }
  | { seq: number; t: "tool-delta"; id: string; d: string }
  | { seq: number; t: "tool-call"; id: string; name: string; input: string; server: boolean }
  | { seq: number; t: "tool-result"; id: string; name: string; output: string; error?: boolean }
  | { seq: number; t: "end"; end: RunEnd };
type NewEvent = BusEvent extends infer E ? (E extends BusEvent ? Omit<E, "seq"> : never) : never;

export interface RunBus {
  publish(runId: string, ev: NewEvent): void;
  /**
   * Every event from the start, then the live ones until `end`; null when the run is unknown here.
   * Canceling the stream (the follower went away) drops the follower at once.
   */
  follow(runId: string): Promise<ReadableStream<BusEvent> | null>;
  /** How many followers of the run this instance serves now. */
  followers(runId: string): number;
  /** Drops the run's stored events (its org's retention cleared the run: lib/retention). */
  forget(runId: string): Promise<void>;
}

const KEEP_S = 3600;

export function memoryBus(): RunBus {
  const runs = new Map<string, { events: BusEvent[]; listeners: Set<(e: BusEvent) => void> }>();
  return {
    publish(runId, ev) {
      let r = runs.get(runId);
      if (!r) runs.set(runId, (r = { events: [], listeners: new Set() }));
      const e = { ...ev, seq: r.events.length } as BusEvent;
      r.events.push(e);
      for (const l of r.listeners) l(e);
      if (e.t === "end") setTimeout(() => runs.delete(runId), KEEP_S * 1000).unref();
    },
    async follow(runId) {
      const r = runs.get(runId);
      if (!r) return null;
      let listener: ((e: BusEvent) => void) | undefined;
      return new ReadableStream<BusEvent>({
        start(c) {
          for (const e of r.events) c.enqueue(e);
          if (r.events.at(-1)?.t === "end") return c.close();
          listener = (e) => {
            c.enqueue(e);
            if (e.t === "end") {
              r.listeners.delete(listener!);
              c.close();
            }
          };
          r.listeners.add(listener);
        },
        cancel() {
          if (listener) r.listeners.delete(listener);
        },
      });
    },
    followers: (runId) => runs.get(runId)?.listeners.size ?? 0,
    async forget(runId) {
      if (runs.get(runId)?.events.at(-1)?.t === "end") runs.delete(runId);
    },
  };
}

/** `name` is the connections' CLIENT SETNAME prefix (`<name>:pub`, `<name>:sub`), for CLIENT LIST. */
export function redisBus(url: string, name = "flowgate-run-bus"): RunBus {
  const client = createClient({
    url,
    name: `${name}:pub`,
    disableOfflineQueue: true,
    // No per-command 5 s timer holding each publisher's request context (see redis-limiter.ts);
    // the queue's length bounds what a Redis that stopped answering can pile up instead.
    commandOptions: { timeout: 0 },
    commandsQueueMaxLength: 10_000,
    socket: { connectTimeout: 2000, reconnectStrategy: (n) => Math.min(50 * 2 ** n, 2000) },
  });
  client.on("error", (err: Error) => logger.warn("run bus: redis error", { err: err.message }));
  const ready = client.connect().then(
    () => client.unref(),
    () => {},
  );
  // One subscriber connection for every follower in this process: Redis multiplexes channels on
  // it, and node-redis sends UNSUBSCRIBE when a channel's last listener leaves. A connection per
  // follower held 30 connections for 30 followers, for as long as the run lasted.
  const connectSubscriber = async () => {
    const sub = client.duplicate({ name: `${name}:sub` });
    sub.on("error", (err: Error) => logger.warn("run bus: redis subscriber error", { err: err.message }));
    await sub.connect();
    sub.unref();
    return sub;
  };
  let subscriber: ReturnType<typeof connectSubscriber> | undefined;
  const shared = () =>
    (subscriber ??= connectSubscriber().catch((e) => {
      subscriber = undefined; // the next follower tries again
      throw e;
    }));
  const following = new Map<string, number>();
  const seqs = new Map<string, number>();
  const key = (id: string) => `fg:run:${id}`;
  return {
    publish(runId, ev) {
      const seq = seqs.get(runId) ?? 0;
      seqs.set(runId, seq + 1);
      const e = JSON.stringify({ ...ev, seq });
      if (ev.t === "end") seqs.delete(runId);
      // One connection, sent in order: the list and the channel see the events in sequence.
      void ready
        .then(() => client.multi().rPush(key(runId), e).expire(key(runId), KEEP_S).publish(key(runId), e).exec())
        .catch((err) => logger.warn("run bus: publish failed", { runId, err }));
    },
    async follow(runId) {
      await ready;
      const sub = await shared();
      let next = 0;
      let controller!: ReadableStreamDefaultController<BusEvent>;
      let closed = false;
      const buffered: BusEvent[] = [];
      let replaying = true;
      const listener = (msg: string) => {
        const e = JSON.parse(msg) as BusEvent;
        if (replaying) buffered.push(e);
        else deliver(e);
      };
      const finish = () => {
        if (closed) return;
        closed = true;
        const left = (following.get(runId) ?? 1) - 1;
        if (left > 0) following.set(runId, left);
        else following.delete(runId);
        void sub.unsubscribe(key(runId), listener).catch(() => {});
      };
      const deliver = (e: BusEvent) => {
        if (closed || e.seq < next) return;
        next = e.seq + 1;
        controller.enqueue(e);
        if (e.t === "end") {
          controller.close();
          finish();
        }
      };
      // Subscribe first, then read the list: nothing published in between is missed, and the
      // sequence numbers drop what both delivered.
      following.set(runId, (following.get(runId) ?? 0) + 1);
      await sub.subscribe(key(runId), listener);
      const stored = (await client.lRange(key(runId), 0, -1)).map((s) => JSON.parse(s) as BusEvent);
      if (!stored.length) {
        finish();
        return null;
      }
      return new ReadableStream<BusEvent>({
        start(c) {
          controller = c;
          for (const e of stored) deliver(e);
          replaying = false;
          for (const e of buffered.sort((a, b) => a.seq - b.seq)) deliver(e);
        },
        cancel: finish,
      });
    },
    followers: (runId) => following.get(runId) ?? 0,
    async forget(runId) {
      await ready;
      await client.del(key(runId));
    },
  };
}

export function getRunBus(): RunBus {
  const url = getEnv().REDIS_URL;
  return processSingleton("run-bus", () => (url ? redisBus(url) : memoryBus()));
}
