import type { BudgetStanding } from "@/db/queries/budget-usage";
import type { BudgetKey } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { capPeriodStart } from "./key-cap";
import { creditsFor, tokensFor } from "./pricing";
import type { BudgetRef } from "./reservation";

// Budgets as the reservation sees them (lib/credits/README.md, "Budgets"): hard caps with the
// balance's semantics. The counters are moved by the reservation and settlement statements
// (db/queries/run-ledger.ts); this decides, under the org lock, what a run that did not fit gets.

/** The starts of the current UTC day and month, as the counters' keys (ISO). */
export function budgetPeriods(now = new Date()): { day: string; month: string } {
  return { day: capPeriodStart("day", now).toISOString(), month: capPeriodStart("month", now).toISOString() };
}

/** How a refusal names a budget: its name, else its scope and period. */
export function budgetLabel(b: { name: string | null; scope: string; period: string }): string {
  return b.name?.trim() || `${b.scope}/${b.period}`;
}

const refusedCounters = new WeakMap<AppError, BudgetKey>();

/** The 402 of a run a budget refuses (the seed's own 402 stays for an empty balance). */
export function budgetExceeded(b: BudgetRef): AppError {
  const e = new AppError("budget_exceeded", `Budget "${budgetLabel(b)}" exhausted for this period`, { budget_id: b.id });
  if (b.key) refusedCounters.set(e, b.key);
  return e;
}

/** The counter a budget_exceeded refusal is about (its alerts treat it as exhausted). */
export function refusedCounterOf(e: unknown): BudgetKey | undefined {
  return e instanceof AppError ? refusedCounters.get(e) : undefined;
}

type OrgDecision = { grant: number } | "wait" | "refuse";

/**
 * What the org's balance decided (decideShortReservation), narrowed by the budgets that apply,
 * each with the balance's semantics (invariant 3), so that a budget is a hard cap without
 * refusing runs it can pay for:
 * - a budget that cannot pay the input and one output token, even once its runs in flight
 *   settle → 402 budget_exceeded, naming it;
 * - the org waits or refuses → that;
 * - the budgets fit what the org grants → that;
 * - they will once their runs in flight settle → wait (naming the tightest, which refuses at the deadline);
 * - otherwise what is left of the tightest budget, output capped (≥ 1 token), else wait.
 * A free run (nothing to pay) passes every budget.
 */
export function decideBudgets(
  org: OrgDecision,
  budgets: BudgetStanding[],
  { inputCost, outputPerM }: { inputCost: number; outputPerM: number },
): OrgDecision | { wait: BudgetRef } | { refuse: BudgetRef } {
  if (!budgets.length) return org;
  const one = inputCost + creditsFor(1, outputPerM);
  if (one === 0) return org;
  const room = (b: BudgetStanding) => b.credits - b.used;
  const dead = budgets.find((b) => room(b) + b.held < one);
  if (dead) return { refuse: dead };
  if (org === "wait" || org === "refuse") return org;
  const fit = (b: BudgetStanding) => tokensFor(room(b) - inputCost, outputPerM);
  const tightest = budgets.reduce((a, b) => (fit(b) < fit(a) ? b : a));
  const fitNow = fit(tightest);
  if (fitNow >= org.grant) return org;
  const wanted = inputCost + creditsFor(org.grant, outputPerM);
  if (budgets.every((b) => room(b) + b.held >= wanted)) return { wait: tightest };
  if (fitNow >= 1) return { grant: Math.min(org.grant, fitNow) };
  return { wait: tightest };
}
