import { KeysPanel } from "./keys-panel";
import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { keysPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

export default async function KeysPage() {
  const me = await requireOrgPage();
  const { keys, workflows } = await keysPageData(me.orgId);
  return (
    <>
      <h1 className="text-2xl font-semibold">API keys</h1>
      <Card>
        {keys.length === 0 && me.role === "member" ? <Empty>No keys yet. An admin can create one.</Empty> : null}
        <KeysPanel orgId={me.orgId} canEdit={me.role !== "member"} keys={keys} workflows={workflows} />
      </Card>
    </>
  );
}
