import { notFound } from "next/navigation";
import { WebhooksPanel } from "./webhooks-panel";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { webhooksPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

// Admins and owners only: members get the not-found page (webhooksPageData re-checks the role).
export default async function WebhooksPage() {
  const me = await requireOrgPage();
  if (me.role === "member") notFound();
  const data = await webhooksPageData(me);
  return (
    <>
      <h1 className="text-2xl font-semibold">Webhooks</h1>
      <Card>
        <WebhooksPanel orgId={me.orgId} {...data} />
      </Card>
    </>
  );
}
