import "server-only";
import { getDb } from "@/db";
import type { Principal } from "@/lib/auth/principal";
import { getRun, requestRunCancel } from "@/db/queries/runs";
import { settleUnstarted } from "@/lib/credits/settle";
import { AppError } from "@/lib/errors";
import { abortLocalRun } from "./active-runs";
import { getRunOrThrow, serializeRun } from "./get-run";

const WAIT_MS = 5000;

const notRunning = (status: string) => new AppError("run_not_running", `Run is not running (status: ${status})`, { status });

/**
 * POST /api/v1/runs/:id/cancel — stops the model call for real (not just the client's view): the
 * run's instance aborts it (at once here, within a second elsewhere via the flag), stores the
 * partial output, charges what was produced plus the input the provider received (lib/credits/README.md)
 * and ends attached streams with status canceled.
 * Answers with the run once it is final (or still canceling after 5 s, status "running"). A queued
 * (async) run that has not started is canceled at once and pays nothing.
 */
export async function cancelRun(principal: Principal, runId: string) {
  const { orgId } = principal;
  const run = await getRunOrThrow(principal, runId);
  const db = await getDb();
  if (run.status === "queued") {
    // Not started yet: canceled where it waits, its whole reservation released. Unless a worker took it meanwhile (then it is running: below).
    const done = await settleUnstarted(orgId, runId, {
      status: "canceled",
      errorCode: "canceled",
      errorMessage: "The run was canceled before it started",
      latencyMs: null,
      from: "queued",
    });
    if (done) {
      return { success: true as const, ...serializeRun((await getRun(db, { orgId, runId }))!) };
    }
  }
  // (A queued run a worker took meanwhile is running now: requestRunCancel finds it so.)
  if (run.status !== "running" && run.status !== "queued") throw notRunning(run.status);
  if (!(await requestRunCancel(db, { orgId, runId }))) {
    // It ended since we read it (a concurrent cancel, its finish): the 409 says what it is now, as committed.
    throw notRunning((await getRun(db, { orgId, runId }))?.status ?? run.status);
  }
  abortLocalRun(runId);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const now = await getRun(db, { orgId, runId });
    if (now && (now.status !== "running" || Date.now() > deadline)) return { success: true as const, ...serializeRun(now) };
    await new Promise((r) => setTimeout(r, 50));
  }
}
