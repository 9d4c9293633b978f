import { LabelsPanel } from "./labels-panel";
import { Card } from "@/components/ui";
import { labelsPageData } from "@/lib/dashboard/page-data";
import { LATEST } from "@/lib/workflows/label-name";
import { SplitForm } from "./split-form";
import { SplitPromote } from "./split-promote";

// Route-private server component: loads the labels panel's data itself, so the workflow page
// only renders <LabelsSection/> (the page is the org-resolved boundary; orgId comes from it).
export async function LabelsSection({ orgId, workflowId, canEdit }: { orgId: string; workflowId: string; canEdit: boolean }) {
  const data = await labelsPageData(orgId, workflowId);
  const splittable = data.labels.map((l) => l.name).filter((n) => n !== LATEST);
  return (
    <>
      <LabelsPanel orgId={orgId} workflowId={workflowId} canEdit={canEdit} {...data} />
      {data.splits.length ? (
        <Card title="Split comparison">
          <SplitPromote orgId={orgId} workflowId={workflowId} splits={data.splits} canEdit={canEdit} />
        </Card>
      ) : null}
      {canEdit && data.versions.length > 1 && splittable.length ? (
        <Card title="Traffic split (A/B)">
          <SplitForm orgId={orgId} workflowId={workflowId} labels={splittable} />
        </Card>
      ) : null}
    </>
  );
}
