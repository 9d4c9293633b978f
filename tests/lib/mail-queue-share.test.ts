import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inviteMemberAction } from "@/app/dashboard/members/actions";
import { getDb } from "@/db";
import { jobs } from "@/db/schema";
import { randomAlnum } from "@/lib/ids";
import { sendMail } from "@/lib/mail/send-mail";
import { sendOrgNotice } from "@/lib/notices/send-notice";
import { createDashboardOrg } from "../support/dashboard-org";

// A mail an org's action causes takes that org's share of the job queue (fair claiming, lib/queue):
// an org that invites or alerts in bulk waits behind its own mail, not everyone's. An account's
// own mail belongs to no org. No worker runs here: the queued jobs are read as they were written.

const mailJobsTo = async (to: string) =>
  (await getDb())
    .select({ orgId: jobs.orgId })
    .from(jobs)
    .where(and(eq(jobs.kind, "mail"), sql`${jobs.payload}->>'to' = ${to}`));

describe("mail jobs and the queue's per-org share", () => {
  it("an invitation and an org notice are queued under their org; an account's mail under none", async () => {
    const org = await createDashboardOrg();
    const invited = `invitee-${randomAlnum(8)}@example.com`;
    const res = await inviteMemberAction.run(org.users.admin, { orgId: org.orgId, email: invited, role: "member" });
    if (!res.ok) throw new Error(res.error.message);
    expect(await mailJobsTo(invited)).toEqual([{ orgId: org.orgId }]);

    expect(await sendOrgNotice(org.orgId, { kind: "balance-zero", data: {} })).toBeGreaterThan(0);
    const notices = await (
      await getDb()
    )
      .select({ orgId: jobs.orgId })
      .from(jobs)
      .where(and(eq(jobs.kind, "mail"), sql`${jobs.payload}->'message'->>'kind' = 'balance-zero'`, eq(jobs.orgId, org.orgId)));
    expect(notices.length).toBeGreaterThan(0);

    const own = `account-${randomAlnum(8)}@example.com`;
    await sendMail({ kind: "password-changed", to: own, data: { name: "A" } });
    expect(await mailJobsTo(own)).toEqual([{ orgId: null }]);
  });
});
