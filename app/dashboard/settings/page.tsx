import { notFound } from "next/navigation";
import { StorageSettingsForm } from "./storage-settings-form";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { getOrgSettings } from "@/lib/orgs/org-settings";

export const dynamic = "force-dynamic";

// The organization's settings (admins and owners; members get the not-found page, and the action re-checks the role).
export default async function SettingsPage() {
  const me = await requireOrgPage();
  if (me.role === "member") notFound();
  const settings = await getOrgSettings(me.orgId);
  return (
    <>
      <h1 className="text-2xl font-semibold">Settings</h1>
      <Card title="Run data">
        <StorageSettingsForm orgId={me.orgId} retentionDays={settings.retentionDays} maskPii={settings.maskPii} />
      </Card>
    </>
  );
}
