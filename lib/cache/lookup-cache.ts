import { getEnv } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";

// Short-lived, per-process memo of the two reads every API request starts with: the key behind a
// Bearer secret and a workflow's published version. The bound is the whole correctness story:
// an entry is served for at most LOOKUP_CACHE_TTL_MS (default 1 s, at most 2 s) counted from when
// its query *started*, so a change committed anywhere (another instance, the admin CLI, SQL) is
// seen by every instance within that time, with no invalidation channel between instances (a key's
// entry also carries its org's suspension, lib/operator: a suspension has the same bound).
// Changes made through this process (revoke, publish, label moves, archive) also drop the entries
// they affect at once, after their commit. Only successful lookups are kept: misses and errors are
// asked again, so an unknown key or workflow costs what it did before, and a flood of random
// secrets cannot fill the map.

type Entry<V> = { at: number; value: Promise<V | undefined>; tag: string };
const MAX_ENTRIES = 10_000;

// One per process (lib/process-singleton.ts): an invalidation made by the dashboard's bundle must
// reach the API routes' copy.
const caches = processSingleton("lookup-caches", () => new Map<string, Map<string, Entry<unknown>>>());

export function lookupCacheTtlMs() {
  return getEnv().LOOKUP_CACHE_TTL_MS;
}

/**
 * A named cache. `get(key, tag, load)` returns the loaded value, sharing one query among the
 * concurrent callers of a key (a burst of 50 requests costs one lookup, not 50); `tag` groups
 * entries for `forget` (a key id, a workflow id).
 */
export function lookupCache<V>(name: string) {
  let map = caches.get(name) as Map<string, Entry<V>> | undefined;
  if (!map) caches.set(name, (map = new Map()) as Map<string, Entry<unknown>>);
  const m = map;
  return {
    get(key: string, tag: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
      const ttl = lookupCacheTtlMs();
      if (ttl <= 0) return load();
      const now = performance.now();
      const hit = m.get(key);
      if (hit && now - hit.at < ttl) return hit.value;
      if (m.size >= MAX_ENTRIES) sweep(m, now, ttl);
      const entry: Entry<V> = { at: now, tag, value: load() };
      m.set(key, entry);
      entry.value.then(
        (v) => {
          if (v === undefined && m.get(key) === entry) m.delete(key);
        },
        () => {
          if (m.get(key) === entry) m.delete(key);
        },
      );
      return entry.value;
    },
    /** Drops every entry with this tag (call after the change has committed). */
    forget(tag: string) {
      for (const [k, e] of m) if (e.tag === tag) m.delete(k);
    },
    clear: () => m.clear(),
  };
}

function sweep<V>(m: Map<string, Entry<V>>, now: number, ttl: number) {
  for (const [k, e] of m) if (now - e.at >= ttl) m.delete(k);
  // Still full of live entries (10,000 keys or workflows used within one TTL): start over.
  if (m.size >= MAX_ENTRIES) m.clear();
}
