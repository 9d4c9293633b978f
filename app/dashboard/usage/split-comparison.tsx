import { Card } from "@/components/ui";
import type { ArmStats } from "@/lib/feedback/compare-splits";

type Split = { workflowId: string; workflowName: string; label: string; split: string; arms: ArmStats[] };

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null) => (x === null ? "–" : `${Math.round(x)} ms`);
const num = (x: number | null, digits = 0) => (x === null ? "–" : x.toFixed(digits));

/** A split label's versions side by side, over the runs it assigned in the page's period. */
export function SplitComparison({ splits }: { splits: Split[] }) {
  if (splits.length === 0) return null;
  return (
    <Card title="Split comparison (last 14 days)">
      <div className="space-y-6">
        {splits.map((s) => (
          <div key={`${s.workflowId}/${s.label}`} data-testid={`split-comparison-${s.label}`}>
            <p className="mb-2 text-sm">
              <strong>{s.workflowName}</strong> · <span className="font-mono">{s.label}</span> · {s.split}
            </p>
            <div className="overflow-x-auto">
              <table className="w-full text-sm">
                <thead className="text-left text-neutral-500">
                  <tr>
                    <th className="py-2">Version</th>
                    <th>Weight</th>
                    <th>Runs</th>
                    <th>Failure rate</th>
                    <th>Tokens / run</th>
                    <th>Latency p50</th>
                    <th>p95</th>
                    <th>Credits</th>
                    <th>Feedback</th>
                    <th>Judge</th>
                  </tr>
                </thead>
                <tbody>
                  {s.arms.map((a) => (
                    <tr key={a.version} className="border-t border-neutral-200 dark:border-neutral-800" data-testid={`arm-v${a.version}`}>
                      <td className="py-2">v{a.version}</td>
                      <td>{a.weight / 100}%</td>
                      <td>{a.runs}</td>
                      <td>{pct(a.failureRate)}</td>
                      <td>{num(a.avgTokens, 1)}</td>
                      <td>{ms(a.p50Ms)}</td>
                      <td>{ms(a.p95Ms)}</td>
                      <td>{a.credits}</td>
                      <td>{a.feedback ? `${num(a.score, 2)} (${a.feedback})` : "–"}</td>
                      <td title="Mean judge score of the version's newest completed eval">
                        {a.judge?.meanScore != null ? `${num(a.judge.meanScore, 2)} (${a.judge.judged})` : "–"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </div>
    </Card>
  );
}
