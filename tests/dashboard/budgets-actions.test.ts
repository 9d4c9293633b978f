import { describe, expect, it } from "vitest";
import { createBudgetAction, deleteBudgetAction, updateBudgetAction } from "@/app/dashboard/budgets/actions";
import { budgetsPageData } from "@/lib/dashboard/page-data";
import { createDashboardOrg } from "../support/dashboard-org";

// The Budgets page's actions through orgAction: admins and owners may, members may not, another
// org's budget is not found; the page lists each budget with this period's usage.

describe("Budgets page actions", () => {
  it("an admin creates, edits and deletes; a member is refused; another org's budget is not found", async () => {
    const o = await createDashboardOrg();
    const other = await createDashboardOrg();
    const input = { orgId: o.orgId, scope: "end_user" as const, credits: 60, period: "day" as const, alert_at: [80, 50] };
    expect(await createBudgetAction.run(o.users.member, input)).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const created = await createBudgetAction.run(o.users.admin, { ...input, name: "Per user" });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.data).toMatchObject({
      name: "Per user",
      scope: "end_user",
      credits: 60,
      alert_at: [50, 80],
      usage: { spent: 0, top: [] },
    });
    const id = created.data.id;
    expect(await updateBudgetAction.run(o.users.owner, { orgId: o.orgId, budgetId: id, credits: 90 })).toMatchObject({
      ok: true,
      data: { credits: 90, alert_at: [50, 80] },
    });
    expect(await updateBudgetAction.run(other.users.admin, { orgId: other.orgId, budgetId: id, credits: 1 })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect((await budgetsPageData({ userId: o.users.admin, orgId: o.orgId })).budgets.map((b) => b.id)).toEqual([id]);
    await expect(budgetsPageData({ userId: o.users.member, orgId: o.orgId })).rejects.toThrow();
    expect(await deleteBudgetAction.run(o.users.member, { orgId: o.orgId, budgetId: id })).toMatchObject({ ok: false });
    expect(await deleteBudgetAction.run(o.users.admin, { orgId: o.orgId, budgetId: id })).toMatchObject({ ok: true });
    expect((await budgetsPageData({ userId: o.users.admin, orgId: o.orgId })).budgets).toEqual([]);
  });

  it("at most 50 budgets per org, however many are created at once", async () => {
    const o = await createDashboardOrg();
    const results = await Promise.all(
      Array.from({ length: 55 }, (_, i) =>
        createBudgetAction.run(o.users.admin, { orgId: o.orgId, scope: "org", credits: 100 + i, period: "month" }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    for (const r of results.filter((r) => !r.ok))
      expect(r).toMatchObject({ ok: false, error: { code: "invalid_request", message: "An organization may have at most 50 budgets" } });
  });
});
