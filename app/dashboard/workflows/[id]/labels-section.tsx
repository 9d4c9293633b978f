import { LabelsPanel } from "@/components/labels-panel";
import { labelsPageData } from "@/lib/dashboard/page-data";

// Route-private server component: loads the labels panel's data itself, so the workflow page
// only renders <LabelsSection/> (the page is the org-resolved boundary; orgId comes from it).
export async function LabelsSection({ orgId, workflowId, canEdit }: { orgId: string; workflowId: string; canEdit: boolean }) {
  const data = await labelsPageData(orgId, workflowId);
  return <LabelsPanel orgId={orgId} workflowId={workflowId} canEdit={canEdit} {...data} />;
}
