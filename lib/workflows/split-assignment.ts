import { createHash, randomInt } from "node:crypto";
import type { DbOrTx } from "@/db";
import { listSplitArmVersions } from "@/db/queries/labels";
import { SPLIT_BUCKETS, type RunAssignment, type SplitArm, type WorkflowVersion } from "@/db/schema";

// A label that splits traffic (A/B): which version serves a request. The route's prefetch resolves
// the label to its arms (the versions, loaded once and cached with the label); the run pipeline
// picks one arm when the end user is known — a body's `user` is parsed only after the prefetch.

/** A label's split with its arms' versions loaded. */
export type ResolvedSplit = { label: string; arms: { version: WorkflowVersion; weight: number }[] };

/** What a route hands the run pipeline: a version, and the split it is the primary arm of, if any. */
export type ServedVersion = WorkflowVersion & { split?: ResolvedSplit };

/** The primary version with its label's split attached (the arms' rows in one query); unchanged without a split. */
export async function withSplit(
  db: DbOrTx,
  primary: WorkflowVersion,
  label: string,
  split: SplitArm[] | null | undefined,
): Promise<ServedVersion> {
  if (!split?.length) return primary;
  const rows = await listSplitArmVersions(db, {
    orgId: primary.orgId,
    workflowId: primary.workflowId,
    ids: split.map((a) => a.version_id),
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const arms = split.flatMap((a) => {
    const version = byId.get(a.version_id);
    return version ? [{ version, weight: a.weight }] : [];
  });
  // Versions are never deleted while their workflow lives; should an arm be missing, the primary serves alone.
  return arms.length === split.length ? { ...primary, split: { label, arms } } : primary;
}

/**
 * The user's bucket for this workflow's label, 0..9999: the first 32 bits of
 * SHA-256(workflow id, label, user). The same user lands in the same bucket on every instance and
 * every request; another label or workflow reshuffles independently.
 */
export function bucketOf(workflowId: string, label: string, user: string): number {
  const h = createHash("sha256").update(`${workflowId}\0${label}\0${user}`).digest();
  return h.readUInt32BE(0) % SPLIT_BUCKETS;
}

/**
 * The arm owning a bucket. Arms are in version order and take consecutive ranges of buckets, so
 * shifting weight toward a newer version (90/10 → 50/50) moves users from old to new only: nobody
 * who already saw the newer version goes back.
 */
export function armFor<A extends { weight: number }>(arms: A[], bucket: number): A {
  let upTo = 0;
  for (const arm of arms) {
    upTo += arm.weight;
    if (bucket < upTo) return arm;
  }
  return arms.at(-1)!;
}

/** "v3 90% / v4 10%" */
export function describeSplit(arms: { version: number; weight: number }[]): string {
  return arms.map((a) => `v${a.version} ${a.weight / 100}%`).join(" / ");
}

/**
 * The version that serves this request, and why: without a split, the version itself; with one,
 * the arm of the end user's bucket (sticky), or of a random bucket when the request names no user.
 */
export function assignVersion(
  served: ServedVersion,
  endUser: string | null,
): { version: WorkflowVersion; assignment: RunAssignment | null } {
  const { split, ...version } = served;
  if (!split) return { version, assignment: null };
  const bucket = endUser !== null ? bucketOf(version.workflowId, split.label, endUser) : randomInt(SPLIT_BUCKETS);
  const arm = armFor(split.arms, bucket);
  return {
    version: arm.version,
    assignment: {
      label: split.label,
      bucket,
      by: endUser !== null ? "user" : "request",
      split: describeSplit(split.arms.map((a) => ({ version: a.version.version, weight: a.weight }))),
    },
  };
}
