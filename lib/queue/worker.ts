import "server-only";
import { getBackgroundDb } from "@/db";
import { claimJobs, extendLeases } from "@/db/queries/jobs";
import type { Job, JobKind } from "@/db/schema";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";

// The worker of the durable queue (db/queries/jobs.ts): each instance polls for due jobs every
// second — at once when something was enqueued here — and runs at most `concurrency` of each kind
// at a time. A handler settles its job itself (deletes or reschedules it); one that throws or whose
// process dies leaves the job leased, and another claim takes it when the lease runs out. While a
// handler works, its job's lease is extended: the leased jobs are the slots in use, which the claim
// shares out between orgs (db/queries/jobs.ts, claimJobs).

export type JobHandler = {
  handle: (job: Job) => Promise<void>;
  /** Jobs of this kind this instance runs at once. */
  concurrency: number;
  /** How long a claim holds the job; extended while the handler runs, so a dead process's jobs are free again after at most this long. */
  leaseMs: number;
  /** Jobs of one org in hand at once, across all instances (none: as many as there are slots). */
  orgShare?: number;
  /** Jobs of one group (job.groupKey) in hand at once, across all instances. */
  groupShare?: number;
};

const POLL_MS = 1000;
const RENEW_MS = 15_000;

type State = {
  handlers: Partial<Record<JobKind, JobHandler>>;
  active: Map<JobKind, number>;
  /** The jobs in hand, by kind: their leases are extended while they run. */
  inHand: Map<JobKind, Set<number>>;
  timer?: NodeJS.Timeout;
  renewTimer?: NodeJS.Timeout;
  polling: boolean;
  again: boolean;
  paused: () => boolean;
};

const state = processSingleton<State>("job-worker", () => ({
  handlers: {},
  active: new Map(),
  inHand: new Map(),
  polling: false,
  again: false,
  paused: () => false,
}));

/** Starts this process's worker (once; later calls add handlers). `paused`: claim nothing while true (draining). */
export function startJobWorker(handlers: Partial<Record<JobKind, JobHandler>>, paused?: () => boolean) {
  Object.assign(state.handlers, handlers);
  if (paused) state.paused = paused;
  state.timer ??= setInterval(() => kickJobs(), POLL_MS).unref();
  state.renewTimer ??= setInterval(
    () => void renewLeases().catch((err) => logger.warn("job lease renewal failed", { err })),
    RENEW_MS,
  ).unref();
  kickJobs();
}

/** Every job in hand gets a fresh lease (every 15 s: leases of a minute survive a few failed renewals). */
async function renewLeases() {
  const db = await getBackgroundDb();
  for (const [kind, ids] of state.inHand) {
    const h = state.handlers[kind];
    if (h && ids.size) await extendLeases(db, [...ids], h.leaseMs);
  }
}

/** Stops polling (tests; a process that exits). Jobs in hand finish. */
export function stopJobWorker() {
  clearInterval(state.timer);
  state.timer = undefined;
  clearInterval(state.renewTimer);
  state.renewTimer = undefined;
}

/** Something was enqueued (or finished): look for work now rather than at the next tick. No-op without a worker. */
export function kickJobs() {
  if (!state.timer) return;
  if (state.polling) {
    state.again = true;
    return;
  }
  state.polling = true;
  void poll()
    .catch((err) => logger.warn("job poll failed", { err }))
    .finally(() => {
      state.polling = false;
      if (state.again) {
        state.again = false;
        kickJobs();
      }
    });
}

async function poll() {
  if (state.paused()) return;
  const db = await getBackgroundDb();
  for (const [kind, h] of Object.entries(state.handlers) as [JobKind, JobHandler][]) {
    // Stopped while this poll went from kind to kind (stopJobWorker): it claims nothing more. (A
    // test that held the queue this way saw a job enqueued after the stop run: CI failed once on it.)
    if (!state.timer) return;
    const free = h.concurrency - (state.active.get(kind) ?? 0);
    const inHand = state.inHand.get(kind) ?? state.inHand.set(kind, new Set()).get(kind)!;
    for (const job of await claimJobs(db, { kind, limit: free, leaseMs: h.leaseMs, orgShare: h.orgShare, groupShare: h.groupShare })) {
      state.active.set(kind, (state.active.get(kind) ?? 0) + 1);
      inHand.add(job.id);
      void h
        .handle(job)
        .catch((err) => logger.warn("job failed; retried when its lease ends", { kind, jobId: job.id, err }))
        .finally(() => {
          inHand.delete(job.id);
          state.active.set(kind, (state.active.get(kind) ?? 1) - 1);
          kickJobs();
        });
    }
  }
}
