// Per-key credit caps. A key's cap counts the credits its runs hold or spent in the current
// period; the period is a UTC day or month (the cap refills when the next one starts) or "total"
// (one period since the epoch: it never refills). The counter lives on the key row and moves in
// the same statements as the org balance (db/queries/run-ledger.ts).

export const CAP_PERIODS = ["day", "month", "total"] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

export function capPeriodStart(period: CapPeriod, now = new Date()): Date {
  if (period === "total") return new Date(0);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), period === "day" ? now.getUTCDate() : 1));
  return d;
}

/**
 * What a capped key has used in the current period. The counter belongs to the period it was last
 * written in, and periods only move forward: a counter from this period or a later one (another
 * instance whose clock is ahead already rolled over) counts; one from an earlier period counts as
 * zero. The reservation applies the same rule in SQL (`capUsedInPeriod`, db/queries/run-ledger.ts).
 */
export function capUsedInPeriod(key: { capUsed: number; capPeriodStart: Date | null }, period: CapPeriod, now = new Date()): number {
  return key.capPeriodStart && key.capPeriodStart.getTime() >= capPeriodStart(period, now).getTime() ? key.capUsed : 0;
}
