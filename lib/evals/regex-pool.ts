import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";

// User regexes are compiled and matched off the request thread: in a small pool of reused worker
// threads, each job with a time budget. A job over its budget terminates its worker (a new one
// takes its place) and fails with RegexBudgetError, so a pathological pattern fails its own check,
// never the instance's event loop. The pattern bounds (regex-bounds.ts) keep the usual cost small;
// the budget is what makes the worst case finite.

/** Worker threads in the pool (each runs one job at a time). */
export const REGEX_WORKERS = 2;
/** How long one match may take before its check fails. */
export const REGEX_MATCH_BUDGET_MS = 1_000;
/** How long compiling one batch of patterns (a case or an import's) may take. */
export const REGEX_COMPILE_BUDGET_MS = 5_000;
/** Jobs waiting for a worker beyond this are refused rather than queued without end. */
const MAX_QUEUED = 1_000;

export class RegexBudgetError extends Error {
  constructor(readonly budgetMs: number) {
    super(`took longer than ${budgetMs} ms`);
    this.name = "RegexBudgetError";
  }
}

// Plain CommonJS run by `new Worker(…, { eval: true })`: no bundler touches it, and re2js is
// required from node_modules (it is a server external package in next.config.ts).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { RE2JS } = require(workerData.re2js);
const cache = new Map();
function compiled(p, i) {
  const key = (i ? "i:" : "c:") + p;
  let r = cache.get(key);
  if (!r) {
    r = RE2JS.compile(p, i ? RE2JS.CASE_INSENSITIVE : 0);
    if (cache.size >= 256) cache.delete(cache.keys().next().value);
    cache.set(key, r);
  }
  return r;
}
const messageOf = (e) => String((e && e.message) || e).slice(0, 200);
// Warm: the first compile after a start pays for loading and optimising re2js, not the job's budget.
RE2JS.compile("warm(up)?[a-z]{1,3}", RE2JS.CASE_INSENSITIVE).matcher("warm up").find();
parentPort.postMessage({ ready: true });
parentPort.on("message", (m) => {
  try {
    if (m.kind === "compile") {
      const results = m.items.map(({ p, i }) => {
        try { return { size: compiled(p, i).programSize() }; } catch (e) { return { error: messageOf(e) }; }
      });
      parentPort.postMessage({ id: m.id, results });
    } else {
      parentPort.postMessage({ id: m.id, ok: compiled(m.p, m.i).matcher(m.text).find() });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: messageOf(e) });
  }
});
`;

type Job = { id: number; msg: Record<string, unknown>; budgetMs: number; resolve: (v: Reply) => void; reject: (e: Error) => void };
type Reply = { id: number; ready?: boolean; results?: { size?: number; error?: string }[]; ok?: boolean; error?: string };
/** A slot takes jobs once its worker is ready (re2js loaded): a start is not charged to a job's budget. */
type Slot = { worker: Worker; ready: boolean; job: Job | null; timer: NodeJS.Timeout | null };

class RegexPool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  /** Jobs sent to a worker so far (GET-free introspection for tests and debugging). */
  jobs = 0;
  private re2jsPath = createRequire(path.join(process.cwd(), "package.json")).resolve("re2js");

  run(msg: Record<string, unknown>, budgetMs: number): Promise<Reply> {
    if (this.queue.length >= MAX_QUEUED) return Promise.reject(new Error("too many regex checks are waiting: try again shortly"));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, msg, budgetMs, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.queue.length) {
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) {
        if (this.slots.length < REGEX_WORKERS) this.spawn();
        return;
      }
      const job = this.queue.shift()!;
      this.jobs++;
      slot.job = job;
      slot.timer = setTimeout(() => this.fail(slot, new RegexBudgetError(job.budgetMs)), job.budgetMs);
      slot.worker.postMessage({ ...job.msg, id: job.id });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { re2js: this.re2jsPath },
      // A compiled program lives in the worker's heap: bound it as well as the time.
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    worker.unref();
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    worker.on("message", (reply: Reply) => {
      if (reply.ready) {
        slot.ready = true;
        return this.pump();
      }
      const job = slot.job;
      if (!job || reply.id !== job.id) return;
      this.release(slot);
      job.resolve(reply);
      this.pump();
    });
    worker.on("error", (err) => this.fail(slot, err));
    worker.on("exit", () => this.fail(slot, new Error("the regex worker stopped")));
    this.slots.push(slot);
    return slot;
  }

  private release(slot: Slot) {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  /** Ends the slot's worker (a stuck match cannot be interrupted otherwise) and fails its job. */
  private fail(slot: Slot, err: Error) {
    const i = this.slots.indexOf(slot);
    if (i === -1) return;
    this.slots.splice(i, 1);
    const job = slot.job;
    this.release(slot);
    if (!(err instanceof RegexBudgetError) && job) logger.warn("regex worker failed", { err });
    void slot.worker.terminate();
    job?.reject(err);
    // A worker that could not even start will not start on a retry: fail what waits, spawn nothing.
    if (!slot.ready) for (const waiting of this.queue.splice(0)) waiting.reject(err);
    else this.pump();
  }
}

const pool = () => processSingleton("regex-pool", () => new RegexPool());

/** How many compile or match jobs this process has sent to its regex workers. */
export const regexJobsSent = () => pool().jobs;

/** Compiles each pattern in a worker: its syntax error, or its program size. Rejects with RegexBudgetError. */
export async function compileInWorker(items: { pattern: string; ignoreCase?: boolean }[], budgetMs = REGEX_COMPILE_BUDGET_MS) {
  if (!items.length) return [];
  const reply = await pool().run({ kind: "compile", items: items.map((x) => ({ p: x.pattern, i: !!x.ignoreCase })) }, budgetMs);
  if (reply.error) throw new Error(reply.error);
  return reply.results!;
}

/** Whether the pattern matches somewhere in text, found in a worker within the budget. */
export async function matchInWorker(
  pattern: string,
  ignoreCase: boolean | undefined,
  text: string,
  budgetMs = REGEX_MATCH_BUDGET_MS,
): Promise<boolean> {
  const reply = await pool().run({ kind: "match", p: pattern, i: !!ignoreCase, text }, budgetMs);
  if (reply.error) throw new Error(reply.error);
  return reply.ok!;
}
