import "server-only";
import { getBackgroundDb } from "@/db";
import { heartbeatRuns, listCancelRequested, updateRunsProgress, type RunProgressUpdate } from "@/db/queries/runs";
import type { CallProgress } from "@/lib/llm/engine";
import { logger } from "@/lib/logger";
import { maskPii } from "@/lib/retention/mask-pii";
import { stripNul } from "./strip-nul";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";

// The runs this process is executing. One timer per process (only while there are runs) does two
// things each second: persists each run's output so far (GET /runs/:id shows it, from any
// instance), and asks the database which of them were asked to cancel — POST /runs/:id/cancel may
// land on another instance, so the flag in the database is how it reaches the one running it.

/** `stepsDone`: a multi-step run's steps recorded so far (its progress describes the next one). */
export type RunProgress = CallProgress & { stepsDone?: number };
type Active = {
  orgId: string;
  abort: (reason: unknown) => void;
  progress: RunProgress;
  savedLength: number;
  savedSent: boolean;
  /** The org stores outputs masked (lib/retention/mask-pii.ts). */
  mask?: boolean;
  savedSteps: number;
};

const active = processSingleton("active-runs", () => new Map<string, Active>());
const TICK_MS = 1000;

export class RunCanceledError extends Error {
  constructor() {
    super("The run was canceled");
    this.name = "RunCanceledError";
  }
}

/** Told when this process starts running (busy) and when its last run ended (idle): lib/server/idle-gc.ts. */
export type RunActivity = { busy: () => void; idle: () => void };
const watchers = processSingleton("active-runs-watchers", () => new Set<RunActivity>());
export function watchRunActivity(w: RunActivity) {
  watchers.add(w);
}

export function registerRun(
  runId: string,
  orgId: string,
  abort: (reason: unknown) => void,
  mask?: boolean,
): { progress: RunProgress; done: () => void } {
  const entry: Active = { orgId, abort, progress: { text: "", outputTokens: 0 }, savedLength: 0, savedSent: false, mask, savedSteps: 0 };
  active.set(runId, entry);
  for (const w of watchers) w.busy();
  processSingleton("active-runs-timer", () =>
    setInterval(() => void tick().catch((err) => logger.warn("active-run tick failed", { err })), TICK_MS).unref(),
  );
  return {
    progress: entry.progress,
    done: () => {
      active.delete(runId);
      if (!active.size) {
        clearInterval(replaceProcessSingleton<NodeJS.Timeout>("active-runs-timer", undefined));
        for (const w of watchers) w.idle();
      }
    },
  };
}

/** Aborts every run this process is executing (shutdown); returns how many. */
export function abortAllLocalRuns(reason: unknown): number {
  for (const entry of active.values()) entry.abort(reason);
  return active.size;
}

/** Aborts a run if this process is executing it. */
export function abortLocalRun(runId: string): boolean {
  const entry = active.get(runId);
  if (!entry) return false;
  entry.abort(new RunCanceledError());
  return true;
}

/** How often this process tells the database its runs are alive (see sweep-orphans.ts). */
export const HEARTBEAT_MS = 5_000;
let lastBeat = 0;

/** The runs this process is executing. */
export const localRunIds = () => [...active.keys()];

async function tick() {
  if (!active.size) return;
  const db = await getBackgroundDb();
  if (Date.now() - lastBeat >= HEARTBEAT_MS) {
    lastBeat = Date.now();
    await heartbeatRuns(db, localRunIds());
  }
  for (const id of await listCancelRequested(db, [...active.keys()])) abortLocalRun(id);
  const updates: RunProgressUpdate[] = [];
  for (const [id, entry] of active) {
    const p = entry.progress;
    if (p.text.length === entry.savedLength && !!p.sent === entry.savedSent && (p.stepsDone ?? 0) === entry.savedSteps) continue;
    entry.savedSteps = p.stepsDone ?? 0;
    entry.savedLength = p.text.length;
    entry.savedSent = !!p.sent;
    // "Sent" is what an orphaned run pays its input for (lib/credits/README.md, orphans).
    updates.push({
      id,
      output: entry.mask ? maskPii(stripNul(p.text)) : stripNul(p.text),
      outputTokens: p.outputTokens,
      sent: p.sent ? { inputTokens: p.inputTokens ?? 0, model: p.model ?? null } : null,
      stepsDone: p.stepsDone ?? 0,
    });
  }
  await updateRunsProgress(db, updates);
}
