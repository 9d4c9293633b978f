import "server-only";
import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { getDb } from "@/db";
import { deleteJob, insertJobWithinOrgCap, releaseJob } from "@/db/queries/jobs";
import { findOrgSuspension } from "@/db/queries/orgs";
import { startQueuedRun } from "@/db/queries/runs";
import { getWorkflowVersionById } from "@/db/queries/workflows";
import type { Job } from "@/db/schema";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { settleUnstarted } from "@/lib/credits/settle";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { resolvePlan } from "@/lib/llm/fallback-plan";
import { toolExecutors } from "@/lib/llm/model-tools";
import { logger } from "@/lib/logger";
import { kickJobs, type JobHandler } from "@/lib/queue/worker";
import { masksStoredRuns } from "@/lib/retention/storage-policy";
import { trackRun } from "./in-flight";
import { admitRun, executeRun, type RunRequest } from "./open-run";
import type { StartedRun } from "./reserve-run";

// Async runs (POST /run with Prefer: respond-async): admitted like any run — prepared, rate
// limited, credits reserved — and answered 202 at once; the run itself waits as "queued" for a
// worker of the durable queue (lib/queue), on any instance, which starts it as "running" and
// executes it on the one pipeline. The prompt travels in the job, so the worker calls the model
// with exactly what was reserved for.

type RunJob = { runId: string; orgId: string; prompt: LanguageModelV4Prompt };

/** How long the enqueuer holds a new job while it reserves (and a worker a claimed one while it starts it). */
const RUN_JOB_LEASE_MS = 60_000;

/** Admits and reserves the run, queued; returns its id. */
export async function queueRun(r: Omit<RunRequest, "protocol" | "source">): Promise<string> {
  const { prepared, reserve } = await admitRun({ ...r, source: "api", protocol: "json" });
  const runId = r.runId ?? newId.run();
  const db = await getDb();
  // The job first, held until the reservation is made: a crash in between leaves a job whose run
  // never existed (dropped once its lease ends), never a reserved run that no job will start.
  const payload: RunJob = { runId, orgId: prepared.orgId, prompt: prepared.prompt };
  const { RUN_QUEUE_MAX_PER_ORG: cap } = getEnv();
  const jobId = await insertJobWithinOrgCap(db, { kind: "run", payload, orgId: prepared.orgId, leaseMs: RUN_JOB_LEASE_MS }, cap);
  if (jobId === null) {
    // README "Retries, async runs and webhooks": one org's queue may not grow without bound (nor hold everyone's slots).
    throw new AppError("rate_limited", `Too many async runs: at most ${cap} per organization may be queued or running at once`, {
      reason: "async_queue_full",
      limit: cap,
      retry_after: 10,
    });
  }
  try {
    await reserve({ queued: true, runId });
  } catch (e) {
    await deleteJob(db, jobId).catch(() => {});
    throw e;
  }
  await releaseJob(db, jobId);
  kickJobs();
  return runId;
}

/** POST /run/:id with Prefer: respond-async (or ?async=true): 202, the run's id, where to follow it. */
export async function respondAsync(r: Omit<RunRequest, "protocol" | "source">): Promise<Response> {
  const runId = await queueRun(r);
  return Response.json({ success: true, run_id: runId, status: "queued" }, { status: 202, headers: { location: `/api/v1/runs/${runId}` } });
}

/** `Prefer: respond-async` (RFC 7240), among other preferences. */
export const prefersAsync = (req: Request) => /(^|[\s,;])respond-async\s*($|[,;])/i.test(req.headers.get("prefer") ?? "");

/**
 * The queue's handler for runs: at most RUN_QUEUE_CONCURRENCY at a time per instance, and at most
 * RUN_QUEUE_ORG_CONCURRENCY of one org's at a time on all instances together.
 */
export const runJobHandler = (): JobHandler => ({
  handle: startRunJob,
  concurrency: getEnv().RUN_QUEUE_CONCURRENCY,
  orgShare: getEnv().RUN_QUEUE_ORG_CONCURRENCY,
  leaseMs: RUN_JOB_LEASE_MS,
});

async function startRunJob(job: Job) {
  const { runId, orgId, prompt } = job.payload as RunJob;
  const db = await getDb();
  // A suspended org's queued run is canceled, not started (lib/operator/org-actions.ts cancels the
  // ones queued at the suspension; this one was queued through a key another instance still had cached).
  const suspended = await findOrgSuspension(db, orgId);
  if (suspended) {
    await settleUnstarted(orgId, runId, {
      status: "canceled",
      errorCode: "org_suspended",
      errorMessage: `Organization suspended: ${suspended.reason}`,
      latencyMs: null,
      from: "queued",
    });
    return deleteJob(db, job.id);
  }
  // From here the run's heartbeat (and the orphan sweeper) cover it. The job stays, leased, until
  // the run ends: it is the run's slot, which the claim counts to share the slots between orgs. A
  // job whose process died is claimed again once its lease ends, and dropped: its run is not queued.
  const row = await startQueuedRun(db, runId);
  if (!row) return deleteJob(db, job.id); // canceled while queued, or its reservation never happened
  try {
    await executeStartedRun({ runId, orgId, prompt }, row);
  } finally {
    await deleteJob(db, job.id);
  }
}

async function executeStartedRun({ runId, orgId, prompt }: RunJob, row: NonNullable<Awaited<ReturnType<typeof startQueuedRun>>>) {
  const db = await getDb();
  const startedAt = performance.now();
  const version = row.versionId ? await getWorkflowVersionById(db, { orgId, versionId: row.versionId }) : undefined;
  const plan = version && (await resolvePlan(version).catch((err) => void logger.warn("async run: no fallback plan", { runId, err })));
  if (!version || !plan) {
    // The version or its model went away while the run waited: it fails, and pays nothing.
    await settleUnstarted(orgId, runId, {
      status: "failed",
      errorCode: "upstream_error",
      errorMessage: "The run's model could not be resolved when it started",
      latencyMs: 0,
    });
    return;
  }
  const promptText = JSON.stringify(prompt);
  const run: StartedRun = {
    id: runId,
    orgId,
    model: row.model,
    creditsReserved: row.creditsReserved,
    maxOutputTokens: row.maxOutputTokens ?? version.maxOutputTokens,
    inputTokensEstimate: estimateTokens(promptText),
    prices: row.prices ?? plan.prices,
    maskStored: await masksStoredRuns(orgId),
  };
  const prepared = {
    orgId,
    workflowId: row.workflowId,
    version,
    inputs: row.inputs,
    modelId: row.model,
    plan,
    prompt,
    promptText,
    toolExecutors: toolExecutors(version),
  };
  await trackRun(executeRun(prepared, run, startedAt, {}));
}
