import "server-only";
import { getDb } from "@/db";
import { getStoragePolicy, type StoragePolicy } from "@/db/queries/retention";
import { lookupCache } from "@/lib/cache/lookup-cache";

// An org's storage settings (retention, masking) as a run reads them when it stores its inputs and
// output: reused for at most LOOKUP_CACHE_TTL_MS like the other per-request lookups, so a run costs
// no extra query in a burst, and a change is seen everywhere within that bound.

const cache = lookupCache<StoragePolicy>("storage-policy");

export async function storagePolicyOf(orgId: string): Promise<StoragePolicy> {
  return (await cache.get(orgId, orgId, async () => getStoragePolicy(await getDb(), orgId))) ?? { retentionDays: null, maskPii: false };
}

/** Whether the org stores its runs' inputs and outputs masked (lib/retention/mask-pii.ts). */
export async function masksStoredRuns(orgId: string): Promise<boolean> {
  return (await storagePolicyOf(orgId)).maskPii;
}

/** After a change has committed: this instance sees it at once. */
export function forgetStoragePolicy(orgId: string) {
  cache.forget(orgId);
}
