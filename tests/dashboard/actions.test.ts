import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listApiKeys } from "@/db/queries/api-keys";
import { member, organization, user } from "@/db/schema";
import { archiveAction, createWorkflowAction } from "@/app/dashboard/workflows/actions";
import { createKeyAction, revokeKeyAction } from "@/app/dashboard/keys/actions";
import { inviteMemberAction, changeMemberRoleAction, removeMemberAction, cancelInvitationAction } from "@/app/dashboard/members/actions";
import {
  moveLabelAction,
  publishAction,
  restoreVersionAction,
  rollbackAction,
  runSummaryAction,
  saveDraftAction,
  setEndUserRateLimitAction,
  unpublishAction,
  splitLabelAction,
} from "@/app/dashboard/workflows/[id]/actions";
import { getMembership } from "@/db/queries/members";
import { invitation } from "@/db/schema";
import { acceptInvitationAs } from "@/lib/orgs/invitations";
import { eq } from "drizzle-orm";
import { createApiKey } from "@/lib/auth/api-keys";
import { newId, randomAlnum } from "@/lib/ids";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { publishVersion } from "@/lib/workflows/publish-version";
import { runPublished } from "../support/fixtures";

// Every dashboard mutation, every role, own org and another org: members may not mutate,
// admins and owners may, and another org is always "not found". Called through the same
// pipeline the server action runs (orgAction), with the session's user id given directly.

async function makeOrg() {
  const db = await getDb();
  const orgId = newId.org();
  await db.insert(organization).values({ id: orgId, name: "Org", slug: `org-${randomAlnum(10)}` });
  await createOrg({ id: orgId, name: "Org", credits: 1000 });
  const users: Record<string, string> = {};
  for (const role of ["owner", "admin", "member"]) {
    const id = randomAlnum(24);
    await db.insert(user).values({ id, name: role, email: `${id}@example.com` });
    await db.insert(member).values({ id: randomAlnum(24), organizationId: orgId, userId: id, role });
    users[role] = id;
  }
  // Published twice (v1, v2 in production), so label moves and a rollback to v1 have somewhere to go.
  const wf = await createWorkflow({ orgId, name: "W", template: "Write {{story}}", model: "offline:echo", publish: true });
  await publishVersion({ orgId, workflowId: wf.workflow_id });
  const key = await createApiKey({ orgId, name: "k" });
  return { orgId, users, workflowId: wf.workflow_id, keyId: key.id };
}

let own: Awaited<ReturnType<typeof makeOrg>>;
let other: Awaited<ReturnType<typeof makeOrg>>;
beforeAll(async () => {
  own = await makeOrg();
  other = await makeOrg();
});

type Target = typeof own;
const ACTIONS = {
  createWorkflow: (t: Target) => ({ action: createWorkflowAction, input: { orgId: t.orgId, name: "New", template: "Hi {{x}}" } }),
  saveDraft: (t: Target) => ({ action: saveDraftAction, input: { orgId: t.orgId, workflowId: t.workflowId, patch: { name: "Renamed" } } }),
  endUserRateLimit: (t: Target) => ({ action: setEndUserRateLimitAction, input: { orgId: t.orgId, workflowId: t.workflowId, limit: 30 } }),
  publish: (t: Target) => ({ action: publishAction, input: { orgId: t.orgId, workflowId: t.workflowId } }),
  archive: (t: Target) => ({ action: archiveAction, input: { orgId: t.orgId, workflowId: t.workflowId } }),
  createKey: (t: Target) => ({ action: createKeyAction, input: { orgId: t.orgId, name: "new key" } }),
  revokeKey: (t: Target) => ({ action: revokeKeyAction, input: { orgId: t.orgId, keyId: t.keyId } }),
  unpublish: (t: Target) => ({ action: unpublishAction, input: { orgId: t.orgId, workflowId: t.workflowId } }),
  restoreVersion: (t: Target) => ({ action: restoreVersionAction, input: { orgId: t.orgId, workflowId: t.workflowId, version: 1 } }),
  inviteMember: (t: Target) => ({
    action: inviteMemberAction,
    input: { orgId: t.orgId, email: `new-${randomAlnum(8)}@example.com`, role: "member" },
  }),
  moveLabel: (t: Target) => ({
    action: moveLabelAction,
    input: { orgId: t.orgId, workflowId: t.workflowId, label: "staging", version: 1 },
  }),
  rollback: (t: Target) => ({ action: rollbackAction, input: { orgId: t.orgId, workflowId: t.workflowId, version: 1 } }),
  splitLabel: (t: Target) => ({
    action: splitLabelAction,
    input: { orgId: t.orgId, workflowId: t.workflowId, label: "production", spec: "1:90,2:10" },
  }),
} as const;

const cases = (Object.keys(ACTIONS) as Array<keyof typeof ACTIONS>).flatMap((name) => [
  { name, role: "member", org: "own", expect: "forbidden" },
  { name, role: "admin", org: "own", expect: "ok" },
  { name, role: "owner", org: "own", expect: "ok" },
  { name, role: "owner", org: "other", expect: "not_found" },
  // Acting in one's own org but naming another org's workflow or key (create actions name nothing).
  ...(name === "createWorkflow" || name === "createKey" || name === "inviteMember"
    ? []
    : [{ name, role: "admin", org: "other-object", expect: "not_found" }]),
]);

describe("dashboard actions: role × action × org", () => {
  it.each(cases)("$name as $role on $org org → $expect", async ({ name, role, org, expect: want }) => {
    // Fresh targets per case, so a successful archive or revoke does not hide the next case.
    const fresh = await makeOrg();
    const target: Target =
      org === "own"
        ? fresh
        : org === "other"
          ? other
          : // Acting in one's own org, but naming another org's workflow or key.
            { ...fresh, workflowId: other.workflowId, keyId: other.keyId };
    const { action, input } = ACTIONS[name](target) as {
      action: { run: (u: string, i: unknown) => Promise<{ ok: boolean; error?: { code: string } }> };
      input: unknown;
    };
    const res = await action.run(fresh.users[role]!, input);
    if (want === "ok") expect(res).toMatchObject({ ok: true });
    else
      expect(res.ok ? null : res.error?.code, JSON.stringify(res)).toBe(
        want === "not_found" && org === "other-object" && name !== "revokeKey" ? "workflow_not_found" : want,
      );
  });

  it("no session → unauthorized; bad input → invalid_request; a revoked key really is revoked", async () => {
    expect(await createKeyAction.run(null, { orgId: own.orgId, name: "x" })).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    expect(await createKeyAction.run(own.users.admin!, { orgId: own.orgId, name: "" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    const res = await revokeKeyAction.run(own.users.admin!, { orgId: own.orgId, keyId: own.keyId });
    expect(res.ok).toBe(true);
    const keys = await listApiKeys(await getDb(), own.orgId);
    expect(keys.find((k) => k.id === own.keyId)!.revokedAt).toBeInstanceOf(Date);
    for (const limit of [0, 100_001, 2.5, "9"])
      expect(await setEndUserRateLimitAction.run(own.users.admin!, { orgId: own.orgId, workflowId: own.workflowId, limit })).toMatchObject({
        ok: false,
        error: { code: "invalid_request" },
      });
    expect(
      await setEndUserRateLimitAction.run(own.users.admin!, { orgId: own.orgId, workflowId: own.workflowId, limit: null }),
    ).toMatchObject({
      ok: true,
      data: { end_user_rate_limit_per_minute: null },
    });
  });
});

describe("invitations", () => {
  async function invite(role: "member" | "admin" = "member") {
    const email = `invitee-${randomAlnum(8)}@example.com`;
    const res = await inviteMemberAction.run(own.users.admin!, { orgId: own.orgId, email, role });
    if (!res.ok) throw new Error(res.error.message);
    const db = await getDb();
    const id = randomAlnum(24);
    await db.insert(user).values({ id, name: "Invitee", email });
    return { invitationId: res.data.invitation_id, user: { id, email } };
  }

  it("the invited address joins with the invited role, once", async () => {
    const { invitationId, user: u } = await invite("admin");
    expect(await acceptInvitationAs(u, { invitationId })).toMatchObject({ ok: true, data: { org_id: own.orgId, role: "admin" } });
    expect(await getMembership(await getDb(), { orgId: own.orgId, userId: u.id })).toMatchObject({ role: "admin" });
    expect(await acceptInvitationAs(u, { invitationId })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("another address, no session, an expired or unknown invitation: refused, and no membership", async () => {
    const { invitationId, user: u } = await invite();
    const stranger = { id: own.users.member!, email: "someone-else@example.com" };
    expect(await acceptInvitationAs(stranger, { invitationId })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await acceptInvitationAs(null, { invitationId })).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    expect(await acceptInvitationAs(u, { invitationId: "nope" })).toMatchObject({ ok: false, error: { code: "not_found" } });
    await (
      await getDb()
    )
      .update(invitation)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitation.id, invitationId));
    expect(await acceptInvitationAs(u, { invitationId })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await getMembership(await getDb(), { orgId: own.orgId, userId: u.id })).toBeUndefined();
  });

  it("an existing member cannot be invited again", async () => {
    const db = await getDb();
    const [m] = await db.select({ email: user.email }).from(user).where(eq(user.id, own.users.member!));
    expect(await inviteMemberAction.run(own.users.admin!, { orgId: own.orgId, email: m!.email, role: "member" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
  });
});

describe("runSummaryAction", () => {
  it("members read their org's runs; another org's run is run_not_found", async () => {
    // A key of its own: earlier tests revoke own.keyId, and a revoked key starts no run.
    const key = await createApiKey({ orgId: own.orgId, name: "runner" });
    const res = await runPublished({ ...own, keyId: key.id }, { story: "x" });
    const runId = (res as { run_id: string }).run_id;
    expect(await runSummaryAction.run(own.users.member!, { orgId: own.orgId, runId })).toMatchObject({
      ok: true,
      data: { run_id: runId, status: "completed" },
    });
    expect(await runSummaryAction.run(other.users.owner!, { orgId: other.orgId, runId })).toMatchObject({
      ok: false,
      error: { code: "run_not_found" },
    });
  });
});

describe("createKeyAction with restrictions", () => {
  it("stores the restrictions; another org's workflow or a malformed origin is refused", async () => {
    const res = await createKeyAction.run(own.users.admin!, {
      orgId: own.orgId,
      name: "scoped",
      options: {
        workflowIds: [own.workflowId],
        rateLimitPerMinute: 30,
        creditCap: 500,
        creditCapPeriod: "day",
        expiresInDays: 7,
        allowedOrigins: ["https://App.example.com:443"],
      },
    });
    expect(res.ok).toBe(true);
    const key = (await listApiKeys(await getDb(), own.orgId)).find((k) => k.id === (res as { data: { id: string } }).data.id)!;
    expect(key).toMatchObject({
      workflowIds: [own.workflowId],
      rateLimitPerMinute: 30,
      creditCap: 500,
      creditCapPeriod: "day",
      allowedOrigins: ["https://app.example.com"],
    });
    expect(key.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    const foreign = await createKeyAction.run(own.users.admin!, {
      orgId: own.orgId,
      name: "x",
      options: { workflowIds: [other.workflowId] },
    });
    expect(foreign).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const badOrigin = await createKeyAction.run(own.users.admin!, {
      orgId: own.orgId,
      name: "x",
      options: { allowedOrigins: ["https://app.example.com/path"] },
    });
    expect(badOrigin).toMatchObject({ ok: false, error: { code: "invalid_request" } });
  });
});

describe("member management", () => {
  it("admins change roles between member and admin and remove members; members may not", async () => {
    const o = await makeOrg();
    expect(await changeMemberRoleAction.run(o.users.member!, { orgId: o.orgId, userId: o.users.admin!, role: "member" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await changeMemberRoleAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.member!, role: "admin" })).toMatchObject({
      ok: true,
    });
    expect(await getMembership(await getDb(), { orgId: o.orgId, userId: o.users.member! })).toMatchObject({ role: "admin" });
    expect(await removeMemberAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.member! })).toMatchObject({ ok: true });
    expect(await getMembership(await getDb(), { orgId: o.orgId, userId: o.users.member! })).toBeUndefined();
    // Gone means gone: the removed user's actions in that org are "not found".
    expect(await createKeyAction.run(o.users.member!, { orgId: o.orgId, name: "x" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("only owners touch owners, and the last owner stays", async () => {
    const o = await makeOrg();
    expect(await changeMemberRoleAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.owner!, role: "member" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await removeMemberAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.owner! })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await changeMemberRoleAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.member!, role: "owner" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await changeMemberRoleAction.run(o.users.owner!, { orgId: o.orgId, userId: o.users.owner!, role: "admin" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await changeMemberRoleAction.run(o.users.owner!, { orgId: o.orgId, userId: o.users.admin!, role: "owner" })).toMatchObject({
      ok: true,
    });
    // Two owners now: each may step the other down, but not both at once.
    const [a, b] = await Promise.all([
      changeMemberRoleAction.run(o.users.owner!, { orgId: o.orgId, userId: o.users.admin!, role: "member" }),
      changeMemberRoleAction.run(o.users.admin!, { orgId: o.orgId, userId: o.users.owner!, role: "member" }),
    ]);
    expect([a.ok, b.ok].filter(Boolean).length).toBe(1);
    const owners = (
      await Promise.all([o.users.owner!, o.users.admin!].map(async (u) => getMembership(await getDb(), { orgId: o.orgId, userId: u })))
    ).filter((m) => m?.role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("another org's member is not found", async () => {
    expect(await removeMemberAction.run(own.users.admin!, { orgId: own.orgId, userId: other.users.member! })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });
});

describe("invitation lifecycle", () => {
  it("a withdrawn invitation, or one whose inviter was removed, no longer works; re-accepting as a member changes nothing", async () => {
    const o = await makeOrg();
    const db = await getDb();
    const mk = async (by: string) => {
      const email = `inv-${randomAlnum(8)}@example.com`;
      const res = await inviteMemberAction.run(by, { orgId: o.orgId, email, role: "member" });
      if (!res.ok) throw new Error(res.error.message);
      const id = randomAlnum(24);
      await db.insert(user).values({ id, name: "I", email });
      return { invitationId: res.data.invitation_id, u: { id, email } };
    };
    const a = await mk(o.users.admin!);
    expect(await cancelInvitationAction.run(o.users.member!, { orgId: o.orgId, invitationId: a.invitationId })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await cancelInvitationAction.run(o.users.admin!, { orgId: o.orgId, invitationId: a.invitationId })).toMatchObject({ ok: true });
    expect(await acceptInvitationAs(a.u, { invitationId: a.invitationId })).toMatchObject({ ok: false, error: { code: "not_found" } });

    const b = await mk(o.users.admin!);
    expect(await removeMemberAction.run(o.users.owner!, { orgId: o.orgId, userId: o.users.admin! })).toMatchObject({ ok: true });
    expect(await acceptInvitationAs(b.u, { invitationId: b.invitationId })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await getMembership(db, { orgId: o.orgId, userId: b.u.id })).toBeUndefined();
  });
});
