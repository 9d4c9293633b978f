import Link from "next/link";
import { ArchiveButton } from "./archive-button";
import { CreateWorkflowForm } from "./create-workflow-form";
import { ImportWorkflowForm } from "./import-workflow-form";
import { Button, Card, Empty, Input } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { workflowsPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

export default async function WorkflowsPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const me = await requireOrgPage();
  const { q } = await searchParams;
  const workflows = await workflowsPageData(me.orgId, q);
  const canEdit = me.role !== "member";
  return (
    <>
      <h1 className="text-2xl font-semibold">Workflows</h1>
      {canEdit ? (
        <Card title="New workflow">
          <CreateWorkflowForm orgId={me.orgId} />
        </Card>
      ) : null}
      {canEdit ? (
        <Card title="Import a workflow">
          <ImportWorkflowForm orgId={me.orgId} />
        </Card>
      ) : null}
      <Card
        title="All workflows"
        actions={
          <form method="get" className="flex gap-2" role="search">
            <Input name="q" defaultValue={q ?? ""} placeholder="Search by name or id" aria-label="Search workflows" />
            <Button type="submit" variant="secondary">
              Search
            </Button>
          </form>
        }
      >
        {workflows.length === 0 ? (
          <Empty>
            {q ? (
              <>
                No workflow matches “{q}”.{" "}
                <Link className="underline" href="/dashboard/workflows">
                  Show all
                </Link>
              </>
            ) : canEdit ? (
              "No workflows yet. Create one above, try it in its playground, then publish it to call it over the API."
            ) : (
              "No workflows yet. An admin of this organization can create one."
            )}
          </Empty>
        ) : (
          <table className="w-full text-sm">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">Name</th>
                <th>Status</th>
                <th className="hidden sm:table-cell">Model</th>
                <th className="hidden sm:table-cell">Id</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {workflows.map((w) => (
                <tr key={w.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2">
                    <Link className="font-medium underline-offset-2 hover:underline" href={`/dashboard/workflows/${w.id}`}>
                      {w.name}
                    </Link>
                  </td>
                  <td data-testid="status">
                    {w.publishedVersion ? `published v${w.publishedVersion}` : "draft"}
                    {w.changedSincePublish ? (
                      <span className="ml-1 text-amber-700 dark:text-amber-400"> · changes since publish</span>
                    ) : null}
                  </td>
                  <td className="hidden sm:table-cell">{w.model}</td>
                  <td className="hidden font-mono text-xs sm:table-cell">{w.id}</td>
                  <td className="text-right">{canEdit ? <ArchiveButton orgId={me.orgId} workflowId={w.id} name={w.name} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
