import { describe, expect, it } from "vitest";
import { setStorageSettingsAction } from "@/app/dashboard/settings/actions";
import { auditPageData } from "@/lib/dashboard/page-data";
import { getOrgSettings } from "@/lib/orgs/org-settings";
import { storagePolicyOf } from "@/lib/retention/storage-policy";
import { createDashboardOrg } from "../support/dashboard-org";

// The Settings page's action (retention, masking): admins and owners only, audited, bad days
// refused, and the instance that saved it sees it at once (the runs' storage lookup is forgotten).

describe("settings: retention and masking", () => {
  it("admins set them, members may not, another org is not found; audited; seen at once", async () => {
    const o = await createDashboardOrg();
    const other = await createDashboardOrg();
    expect(await storagePolicyOf(o.orgId)).toEqual({ retentionDays: null, maskPii: false }); // cached now
    const res = await setStorageSettingsAction.run(o.users.admin, { orgId: o.orgId, retentionDays: 30, maskPii: true });
    expect(res).toEqual({ ok: true, data: { retention_days: 30, mask_pii: true } });
    expect(await storagePolicyOf(o.orgId)).toEqual({ retentionDays: 30, maskPii: true });
    expect(await getOrgSettings(o.orgId)).toMatchObject({ retentionDays: 30, maskPii: true });

    const member = await setStorageSettingsAction.run(o.users.member, { orgId: o.orgId, retentionDays: 0, maskPii: false });
    expect(member).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const foreign = await setStorageSettingsAction.run(o.users.owner, { orgId: other.orgId, retentionDays: 0, maskPii: false });
    expect(foreign).toMatchObject({ ok: false, error: { code: "not_found" } });
    for (const retentionDays of [-1, 2.5, 99_999])
      expect(await setStorageSettingsAction.run(o.users.owner, { orgId: o.orgId, retentionDays, maskPii: false })).toMatchObject({
        ok: false,
        error: { code: "invalid_request" },
      });

    expect((await setStorageSettingsAction.run(o.users.owner, { orgId: o.orgId, retentionDays: null, maskPii: false })).ok).toBe(true);
    expect(await getOrgSettings(o.orgId)).toMatchObject({ retentionDays: null, maskPii: false });
    const entries = await auditPageData({ userId: o.users.admin, orgId: o.orgId });
    expect(entries.filter((e) => e.action === "org.settings_update").map((e) => [e.actorId, e.details])).toEqual([
      [o.users.owner, { retention_days: null, mask_pii: false }],
      [o.users.admin, { retention_days: 30, mask_pii: true }],
    ]);
  });
});
