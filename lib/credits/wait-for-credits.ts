import { processSingleton } from "@/lib/process-singleton";
// Runs that could not reserve because the org's runs in flight hold its credits wait here for a
// settlement instead of getting a 402 for money the org has. One FIFO per org, woken one waiter
// at a time: a settlement frees room for a few runs, not for everyone, and waking all waiters
// would have each of them lock the org row for nothing.

type Waiter = { deadline: number; timer?: NodeJS.Timeout; wake: () => void };

/** Another instance (PostgreSQL) may settle: the head of a queue also looks again this often. */
const POLL_MS = 100;

const queues = processSingleton("credit-waiters", () => new Map<string, Waiter[]>());

/**
 * Resolves when credits of the org may have come back: a settlement or grant in this process, a
 * poll interval for the head of the queue, the caller's deadline (`ms`) or its abort signal —
 * whichever comes first. The caller then tries to reserve again.
 */
export function waitForCredits(orgId: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let q = queues.get(orgId);
    if (!q) queues.set(orgId, (q = []));
    const queue = q;
    const waiter: Waiter = {
      deadline: Date.now() + ms,
      wake: () => {
        clearTimeout(waiter.timer);
        signal?.removeEventListener("abort", waiter.wake);
        const i = queue.indexOf(waiter);
        if (i >= 0) queue.splice(i, 1);
        if (queue.length === 0) queues.delete(orgId);
        else if (i === 0) arm(queue[0]!, true);
        resolve();
      },
    };
    queue.push(waiter);
    arm(waiter, queue.length === 1);
    if (signal?.aborted) waiter.wake();
    else signal?.addEventListener("abort", waiter.wake, { once: true });
  });
}

/** Credits of the org came back (a settlement, a grant): the longest waiter tries again. */
export function creditsReleased(orgId: string) {
  queues.get(orgId)?.[0]?.wake();
}

function arm(w: Waiter, head: boolean) {
  clearTimeout(w.timer);
  const left = Math.max(0, w.deadline - Date.now());
  w.timer = setTimeout(w.wake, head ? Math.min(left, POLL_MS) : left);
  w.timer.unref?.();
}
