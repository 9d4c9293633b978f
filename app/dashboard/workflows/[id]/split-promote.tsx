"use client";

import Link from "next/link";
import { promoteLabelAction } from "./actions";
import type { ArmStats } from "@/lib/feedback/compare-splits";
import { ActionButton } from "@/components/action-button";

type Split = { label: string; split: string; arms: ArmStats[] };

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null) => (x === null ? "–" : `${Math.round(x)} ms`);

/**
 * The arm the evidence favours: the best mean judge score, ties (and arms without an eval) decided
 * by the best feedback score; null when nothing sets one arm apart. A suggestion only: the admin
 * promotes whichever arm they choose.
 */
export function leadingArm(arms: ArmStats[]): number | null {
  const best = (xs: ArmStats[], by: (a: ArmStats) => number | null) => {
    const scored = xs.filter((a) => by(a) !== null);
    if (!scored.length) return xs;
    const top = Math.max(...scored.map((a) => by(a)!));
    return scored.filter((a) => by(a) === top);
  };
  const judged = best(arms, (a) => a.judge?.meanScore ?? null);
  const rated = best(judged, (a) => (a.feedback > 0 ? a.score : null));
  return rated.length === 1 && rated.length < arms.length ? rated[0]!.version : null;
}

/** A split label's versions side by side — feedback from its runs, judge scores from each version's newest eval — and "Promote". */
export function SplitPromote({
  orgId,
  workflowId,
  splits,
  canEdit,
}: {
  orgId: string;
  workflowId: string;
  splits: Split[];
  canEdit: boolean;
}) {
  return (
    <div className="space-y-6">
      {splits.map((s) => {
        const lead = leadingArm(s.arms);
        return (
          <div key={s.label} data-testid={`promote-${s.label}`}>
            <p className="mb-2 text-sm">
              <span className="font-mono">{s.label}</span> · {s.split} · runs of the last 14 days; judge scores from each version&apos;s
              newest completed eval (
              <Link className="underline" href={`/dashboard/workflows/${workflowId}/evals`}>
                run one
              </Link>
              )
            </p>
            <div className="overflow-x-auto">
              <table className="w-full text-sm">
                <thead className="text-left text-neutral-600 dark:text-neutral-400">
                  <tr>
                    <th className="py-2">Version</th>
                    <th>Weight</th>
                    <th>Runs</th>
                    <th>Failure rate</th>
                    <th>Latency p50</th>
                    <th>Feedback</th>
                    <th>Judge score</th>
                    <th>Judge checks passed</th>
                    <th>
                      <span className="sr-only">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.arms.map((a) => (
                    <tr
                      key={a.version}
                      className="border-t border-neutral-200 dark:border-neutral-800"
                      data-testid={`promote-arm-v${a.version}`}
                    >
                      <td className="py-2">
                        v{a.version}
                        {lead === a.version ? (
                          <span className="ml-2 rounded bg-green-100 px-1.5 text-xs text-green-900 dark:bg-green-900 dark:text-green-100">
                            leading
                          </span>
                        ) : null}
                      </td>
                      <td>{a.weight / 100}%</td>
                      <td>{a.runs}</td>
                      <td>{pct(a.failureRate)}</td>
                      <td>{ms(a.p50Ms)}</td>
                      <td>{a.feedback ? `${(a.score ?? 0).toFixed(2)} (${a.feedback})` : "–"}</td>
                      <td data-testid={`judge-v${a.version}`}>
                        {a.judge?.meanScore != null
                          ? `${a.judge.meanScore.toFixed(2)} (${a.judge.judged})`
                          : a.judge
                            ? "no judge checks"
                            : "no eval"}
                      </td>
                      <td>{a.judge?.checks ? `${a.judge.passed}/${a.judge.checks}` : "–"}</td>
                      <td className="text-right">
                        {canEdit ? (
                          <ActionButton
                            variant={lead === a.version ? "primary" : "secondary"}
                            action={() => promoteLabelAction({ orgId, workflowId, label: s.label, version: a.version })}
                            confirm={`Promote v${a.version}: ${s.label} stops splitting (${s.split}) and sends all its traffic to v${a.version}?`}
                            ok={`${s.label} → v${a.version} (split ended)`}
                          >
                            Promote v{a.version}
                          </ActionButton>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        );
      })}
    </div>
  );
}
