import { lookupCache } from "@/lib/cache/lookup-cache";
import type { ServedVersion } from "./split-assignment";

/**
 * The published version per (org, workflow), with production's split if any, reused for at most
 * LOOKUP_CACHE_TTL_MS (1 s) by this process (lib/cache/lookup-cache.ts). Versions are immutable, so the only staleness is which one
 * `production` points at: a publish, rollback, unpublish or archive made elsewhere is run within
 * that bound, at once when made through this process.
 */
export const publishedVersionCache = lookupCache<ServedVersion>("published-versions");

/** Call after a change to what `production` points at (or to the workflow's archived state) has committed. */
export function forgetPublishedVersion(workflowId: string) {
  publishedVersionCache.forget(workflowId);
}
