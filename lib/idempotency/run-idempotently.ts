import "server-only";
import { createHash } from "node:crypto";
import { getDb } from "@/db";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  getIdempotencyKey,
  releaseIdempotencyKey,
  runFinishedAt,
} from "@/db/queries/idempotency-keys";
import type { IdempotencyKey } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";

// Idempotency-Key, after Stripe's: the first request with a key runs; a repeat with the same key
// and the same request (method, path, query, body) gets the first answer again instead of running
// a second time; the same key with another request is a 422. Keys are per API key and kept 24 h.
// A request that fails before it did anything (a 400, a 402 before its run was reserved) gives its
// claim up, so the key may be retried; once a run exists, its outcome is the answer, errors included.

/** How long a key is kept. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3600_000;
/** A claim with no answer and no run after this long belongs to a process that died. */
const STALE_CLAIM_MS = 60_000;
/** How long a repeat of an operation without a run waits for the first to answer before its 409. */
const WAIT_MS = 10_000;
const MAX_KEY_LENGTH = 255;

export type IdempotentRunReplay = {
  /** A stream: a repeat follows the run, live while it goes on (instead of waiting for an answer). */
  follow?: (runId: string) => Promise<Response>;
  /** The answer of a finished run whose first request died before it could record one. */
  answer: (runId: string) => Promise<Response>;
};

type Options = {
  req: Request;
  apiKeyId: string;
  /** The body as parsed (its canonical form is hashed: whitespace and key order do not matter). */
  rawBody: Record<string, unknown>;
  /** The operation starts a run: its id is chosen with the claim, and a repeat replays that run. */
  run?: IdempotentRunReplay;
  /** The operation, answered as the client sees it (errors rendered). */
  invoke: (runId?: string) => Promise<Response>;
};

/** The Idempotency-Key header: undefined when absent, a 400 when empty or longer than 255 characters. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!key.trim() || key.length > MAX_KEY_LENGTH)
    throw new AppError("invalid_request", `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
  return key;
}

/** Runs `invoke` once per Idempotency-Key; repeats replay its answer (see above). Without the header, just runs it. */
export async function runIdempotently({ req, apiKeyId, rawBody, run, invoke }: Options): Promise<Response> {
  const key = idempotencyKeyOf(req);
  if (key === undefined) return invoke();
  const requestHash = hashRequest(req, rawBody);
  const db = await getDb();
  const ref = { apiKeyId, key };
  // A run may take RUN_MAX_DURATION_S: a repeat of one waits for it (its first request is still answering).
  const deadline = Date.now() + (run ? getEnv().RUN_MAX_DURATION_S * 1000 + 30_000 : WAIT_MS);
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    const runId = run ? newId.run() : null;
    const { claimed, row } = await claimIdempotencyKey(db, {
      ...ref,
      requestHash,
      runId,
      keepMs: IDEMPOTENCY_KEEP_MS,
      staleMs: STALE_CLAIM_MS,
    });
    if (claimed) return first(ref, invoke(runId ?? undefined));
    if (row) {
      if (row.requestHash !== requestHash) throw new AppError("idempotency_key_reused");
      const replayed = await replay(row, run);
      if (replayed) return markReplayed(replayed);
    } // else: released a moment ago (the first request failed before doing anything): claim it ourselves.
    if (Date.now() > deadline || req.signal.aborted) throw new AppError("idempotency_key_in_use");
    await new Promise((r) => setTimeout(r, pause));
  }

  async function first(ref: { apiKeyId: string; key: string }, answering: Promise<Response>) {
    const res = await answering;
    const json = (res.headers.get("content-type") ?? "").includes("application/json");
    if (!json) return res; // a stream: its run is the answer a repeat replays
    const body = await res.clone().json();
    // A failure with nothing behind it (no run, no change) leaves the key free for a retry.
    if (res.status >= 400 && !(body as { run_id?: unknown })?.run_id) await releaseIdempotencyKey(db, ref);
    else await completeIdempotencyKey(db, { ...ref, status: res.status, body });
    return res;
  }

  async function replay(row: IdempotencyKey, r: IdempotentRunReplay | undefined): Promise<Response | null> {
    if (row.responseStatus !== null) return Response.json(row.responseBody, { status: row.responseStatus });
    if (!r || !row.runId) return null;
    const finishedAt = await runFinishedAt(db, row.runId);
    if (finishedAt === undefined) return null; // not reserved yet
    if (r.follow) {
      const res = await r.follow(row.runId);
      // 204: the run has published nothing yet (it is still starting): look again in a moment.
      return res.status === 204 ? null : res;
    }
    // The first request answers right after the run settles; if it has not some seconds later, it died.
    if (finishedAt && Date.now() - finishedAt.getTime() > 5000) {
      const again = await getIdempotencyKey(db, ref);
      return again?.responseStatus != null ? Response.json(again.responseBody, { status: again.responseStatus }) : r.answer(row.runId);
    }
    return null;
  }
}

function markReplayed(res: Response) {
  res.headers.set("idempotent-replayed", "true");
  return res;
}

/** What makes two requests "the same": method, path, query (less a stream token) and the body's canonical JSON. */
export function hashRequest(req: Request, rawBody: Record<string, unknown>): string {
  const url = new URL(req.url);
  url.searchParams.delete("token");
  url.searchParams.sort();
  return createHash("sha256")
    .update(`${req.method} ${url.pathname}?${url.searchParams}\n${canonicalJson(rawBody)}`)
    .digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}
