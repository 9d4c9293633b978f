import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inviteMemberAction } from "@/app/dashboard/members/actions";
import { getDb } from "@/db";
import { getMembership } from "@/db/queries/members";
import { organization, user } from "@/db/schema";
import { randomAlnum } from "@/lib/ids";
import { acceptInvitationAs } from "@/lib/orgs/invitations";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { createDashboardOrg } from "../support/dashboard-org";
import { linkIn, startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";
import { setMailEnv } from "../support/smtp-server";

// The invite form mails the invitation (its link is still returned to copy); with verification
// required (SMTP_URL set), only a verified account with the invited address can accept.

let inbox: Inbox;
const saved = { ...process.env };

beforeAll(async () => {
  inbox = await startInbox();
  await setMailEnv({ SMTP_URL: inbox.url, REQUIRE_EMAIL_VERIFICATION: undefined });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  await setMailEnv({ SMTP_URL: saved.SMTP_URL, REQUIRE_EMAIL_VERIFICATION: saved.REQUIRE_EMAIL_VERIFICATION });
  await inbox.stop();
});

describe("invitations by mail", () => {
  it("mails the invited address a link to the invitation; the link is returned too; a verified account with that address accepts, an unverified one is refused", async () => {
    const org = await createDashboardOrg();
    const db = await getDb();
    await db.update(organization).set({ name: "Acme Research" }).where(eq(organization.id, org.orgId));
    const email = `invitee-${randomAlnum(8)}@example.com`;
    const res = await inviteMemberAction.run(org.users.admin, { orgId: org.orgId, email: email.toUpperCase(), role: "admin" });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data).toMatchObject({ email, path: `/invite/${res.data.invitation_id}`, emailed: true });

    const mail = await until(() => inbox.to(email)[0], "the invitation");
    expect(mail.subject).toBe("admin invited you to Acme Research on Flowgate");
    expect(linkIn(mail, "http://localhost:3000/invite/")).toBe(`http://localhost:3000${res.data.path}`);
    expect(mail.text).toContain("as an admin");

    const id = randomAlnum(24);
    await db.insert(user).values({ id, name: "Invitee", email });
    const unverified = await acceptInvitationAs({ id, email, emailVerified: false }, { invitationId: res.data.invitation_id });
    expect(unverified).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: `Verify ${email} first: sign out, sign in again and ask for the verification link` },
    });
    const other = await acceptInvitationAs(
      { id: org.users.member, email: "someone-else@example.com", emailVerified: true },
      { invitationId: res.data.invitation_id },
    );
    expect(other).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await acceptInvitationAs({ id, email, emailVerified: true }, { invitationId: res.data.invitation_id })).toMatchObject({
      ok: true,
      data: { org_id: org.orgId, role: "admin" },
    });
    expect(await getMembership(db, { orgId: org.orgId, userId: id })).toMatchObject({ role: "admin" });
  });
});
