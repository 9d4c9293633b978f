import { KeysPanel } from "@/components/keys-panel";
import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/session";
import { keysPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

export default async function KeysPage() {
  const me = await requireOrgPage();
  const keys = await keysPageData(me.orgId);
  return (
    <>
      <h1 className="text-2xl font-semibold">API keys</h1>
      <Card>
        {keys.length === 0 && me.role === "member" ? <Empty>No keys yet. An admin can create one.</Empty> : null}
        <KeysPanel
          orgId={me.orgId} canEdit={me.role !== "member"}
          keys={keys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null }))}
        />
      </Card>
    </>
  );
}
