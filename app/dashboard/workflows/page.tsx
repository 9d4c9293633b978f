import Link from "next/link";
import { CreateWorkflowForm } from "@/components/create-workflow-form";
import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/session";
import { workflowsPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

export default async function WorkflowsPage() {
  const me = await requireOrgPage();
  const workflows = await workflowsPageData(me.orgId);
  return (
    <>
      <h1 className="text-2xl font-semibold">Workflows</h1>
      {me.role !== "member" ? <Card title="New workflow"><CreateWorkflowForm orgId={me.orgId} /></Card> : null}
      <Card title="All workflows">
        {workflows.length === 0 ? (
          <Empty>No workflows yet. Create one above, then publish it to call it over the API.</Empty>
        ) : (
          <table className="w-full text-sm">
            <thead className="text-left text-neutral-500"><tr><th className="py-2">Name</th><th>Status</th><th>Model</th><th>Id</th></tr></thead>
            <tbody>
              {workflows.map((w) => (
                <tr key={w.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2"><Link className="font-medium underline-offset-2 hover:underline" href={`/dashboard/workflows/${w.id}`}>{w.name}</Link></td>
                  <td data-testid="status">{w.publishedVersion ? `published v${w.publishedVersion}${w.changedSincePublish ? " · changes since publish" : ""}` : "draft"}</td>
                  <td>{w.model}</td>
                  <td className="font-mono text-xs">{w.id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
