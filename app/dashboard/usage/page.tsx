import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/session";
import { usagePageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

export default async function UsagePage() {
  const me = await requireOrgPage();
  const { balance, ledger, runs } = await usagePageData(me.orgId);
  return (
    <>
      <h1 className="text-2xl font-semibold">Usage</h1>
      <Card title="Credits"><p className="text-3xl font-semibold" data-testid="balance">{balance.toLocaleString("en-US")}</p></Card>
      <Card title="Recent runs">
        {runs.length === 0 ? <Empty>No runs yet. Publish a workflow, create a key, and call it.</Empty> : (
          <table className="w-full text-sm" data-testid="runs">
            <thead className="text-left text-neutral-500"><tr><th className="py-2">Run</th><th>Workflow</th><th>Status</th><th>Source</th><th>Tokens</th><th>Credits</th><th>Latency</th></tr></thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2 font-mono text-xs">{r.id}</td>
                  <td className="font-mono text-xs">{r.workflowId}</td>
                  <td>{r.status}{r.errorCode ? ` (${r.errorCode})` : ""}</td>
                  <td>{r.source}</td>
                  <td>{r.inputTokens + r.outputTokens}</td>
                  <td>{r.creditsCharged}</td>
                  <td>{r.latencyMs ?? "–"} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Ledger">
        <ul className="space-y-1 text-sm">
          {ledger.map((e) => <li key={e.id} className="font-mono text-xs">{e.createdAt.toISOString().slice(0, 19).replace("T", " ")} {e.kind.padEnd(8)} {e.amount > 0 ? "+" : ""}{e.amount} → {e.balanceAfter}</li>)}
        </ul>
      </Card>
    </>
  );
}
