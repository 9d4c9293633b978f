import { processSingleton } from "@/lib/process-singleton";

// Which payers' last reservation on this instance was granted in full by the one-statement hot
// path (lib/credits/reserve-credits.ts), and when: what lib/runs/early-dispatch.ts asks before it
// sends a model call ahead of the run's reservation. A payer is an org, its key and its end user,
// the three whose balance, cap and budget a reservation checks. Any reservation that was not such
// a grant (refused, short, waited, on the slow path) forgets the payer, so a payer that runs out
// has at most the calls already in flight sent ahead for nothing, not one per request after.

const FRESH_MS = 60_000;
const MAX_PAYERS = 10_000;
const lastFull = processSingleton("funded-recently", () => new Map<string, number>());

export type Payer = { orgId: string; apiKeyId: string | null; endUser: string | null };
const keyOf = (p: Payer) => `${p.orgId}\u0000${p.apiKeyId ?? ""}\u0000${p.endUser ?? ""}`;

export function noteReservation(p: Payer, grantedInFull: boolean, now = Date.now()) {
  const k = keyOf(p);
  // Re-inserted so that the map's order is least recently granted first: the oldest go when full.
  lastFull.delete(k);
  if (!grantedInFull) return;
  lastFull.set(k, now);
  if (lastFull.size > MAX_PAYERS) lastFull.delete(lastFull.keys().next().value!);
}

export function fundedRecently(p: Payer, now = Date.now()): boolean {
  const at = lastFull.get(keyOf(p));
  return at !== undefined && now - at < FRESH_MS;
}
