import { describe, expect, it } from "vitest";
import { archiveAction, createWorkflowAction } from "@/app/dashboard/workflows/actions";
import { createKeyAction, revokeKeyAction } from "@/app/dashboard/keys/actions";
import {
  moveLabelAction,
  publishAction,
  restoreVersionAction,
  rollbackAction,
  saveDraftAction,
} from "@/app/dashboard/workflows/[id]/actions";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { auditPageData } from "@/lib/dashboard/page-data";
import { publishVersion, unpublishWorkflow } from "@/lib/workflows/publish-version";
import { createDashboardOrg } from "../support/dashboard-org";

// The audit log: one entry per change, written in the change's transaction, with the acting user
// (null for the system), readable by admins and owners of that org only.

type Result<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
function ok<T>(res: Result<T>): T {
  if (!res.ok) throw new Error(JSON.stringify(res.error));
  return res.data;
}

describe("audit log", () => {
  it("records publish, label moves, rollback, key create/revoke and archive, newest first, with the actor", async () => {
    const o = await createDashboardOrg();
    const admin = o.users.admin;
    const { workflow_id: wf } = ok(await createWorkflowAction.run(admin, { orgId: o.orgId, name: "W", template: "Write {{story}}" }));
    ok(await publishAction.run(admin, { orgId: o.orgId, workflowId: wf, note: "first" }));
    ok(await publishAction.run(o.users.owner, { orgId: o.orgId, workflowId: wf }));
    ok(await moveLabelAction.run(admin, { orgId: o.orgId, workflowId: wf, label: "staging", version: 2 }));
    ok(await rollbackAction.run(admin, { orgId: o.orgId, workflowId: wf, version: 1 }));
    const key = ok(await createKeyAction.run(admin, { orgId: o.orgId, name: "server" }));
    ok(await revokeKeyAction.run(admin, { orgId: o.orgId, keyId: key.id }));
    ok(await archiveAction.run(admin, { orgId: o.orgId, workflowId: wf }));

    const entries = await auditPageData({ userId: admin, orgId: o.orgId });
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["workflow.archive", admin],
      ["key.revoke", admin],
      ["key.create", admin],
      ["label.move", admin],
      ["label.move", admin],
      ["workflow.publish", o.users.owner],
      ["workflow.publish", admin],
      ["workflow.create", admin],
    ]);
    const [archive, revoke, create, rollback, move, publish2, publish1, created] = entries;
    expect(created).toMatchObject({ targetId: wf, details: { name: "W" } });
    expect(publish1).toMatchObject({ targetId: wf, actorName: "admin", details: { version: 1, note: "first", production_from: null } });
    expect(publish2).toMatchObject({ details: { version: 2, production_from: 1, latest_from: 1 } });
    expect(move).toMatchObject({ targetId: wf, details: { label: "staging", from_version: null, to_version: 2 } });
    expect(rollback).toMatchObject({ details: { label: "production", from_version: 2, to_version: 1, rollback: true } });
    expect(create).toMatchObject({ targetId: key.id, details: { name: "server", prefix: key.prefix } });
    expect(revoke).toMatchObject({ targetId: key.id });
    expect(archive).toMatchObject({ targetId: wf, details: { production_from: 1 } });
    // The secret is shown once to its creator and is nowhere in the log.
    expect(JSON.stringify(entries)).not.toContain(key.key);
  });

  it("system changes (CLI, seed) have no actor; unpublish is recorded", async () => {
    const o = await createDashboardOrg();
    const { id } = await createApiKey({ orgId: o.orgId, name: "cli" });
    await revokeApiKey({ orgId: o.orgId, keyId: id });
    const { workflow_id: wf } = ok(await createWorkflowAction.run(o.users.admin, { orgId: o.orgId, name: "W", template: "Hi {{x}}" }));
    await publishVersion({ orgId: o.orgId, workflowId: wf });
    await unpublishWorkflow({ orgId: o.orgId, workflowId: wf, actorId: o.users.admin });
    const entries = await auditPageData({ userId: o.users.owner, orgId: o.orgId });
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["workflow.unpublish", o.users.admin],
      ["workflow.publish", null],
      ["workflow.create", o.users.admin],
      ["key.revoke", null],
      ["key.create", null],
    ]);
  });

  it("draft edits: each editing session is one entry naming its editor and the fields; a restore is one too", async () => {
    const o = await createDashboardOrg();
    const { admin, owner } = o.users;
    const { workflow_id: wf } = ok(await createWorkflowAction.run(admin, { orgId: o.orgId, name: "W", template: "Hi {{x}}" }));
    // The editor autosaves as one types: one entry for the session, not one per save.
    for (const template of ["Hi {{x}}!", "Hi {{x}}!!", "Hello {{x}}"])
      ok(await saveDraftAction.run(admin, { orgId: o.orgId, workflowId: wf, patch: { template } }));
    ok(await saveDraftAction.run(owner, { orgId: o.orgId, workflowId: wf, patch: { name: "W2", temperature: 0.5 } }));
    ok(await publishAction.run(admin, { orgId: o.orgId, workflowId: wf }));
    ok(await saveDraftAction.run(admin, { orgId: o.orgId, workflowId: wf, patch: { system: "Be brief" } }));
    ok(await restoreVersionAction.run(owner, { orgId: o.orgId, workflowId: wf, version: 1 }));
    // A save that changes nothing (an empty patch) is not an edit.
    ok(await saveDraftAction.run(owner, { orgId: o.orgId, workflowId: wf, patch: {} }));
    const entries = (await auditPageData({ userId: admin, orgId: o.orgId })).filter((e) => e.targetId === wf);
    expect(entries.map((e) => [e.action, e.actorId, e.details])).toEqual([
      ["workflow.update", owner, { restored_version: 1 }],
      ["workflow.update", admin, { fields: ["system"] }],
      ["workflow.publish", admin, expect.objectContaining({ version: 1 })],
      ["workflow.update", owner, { fields: ["name", "temperature"] }],
      ["workflow.update", admin, { fields: ["template"] }],
      ["workflow.create", admin, { name: "W" }],
    ]);
  });

  it("a refused or failed change writes nothing", async () => {
    const o = await createDashboardOrg();
    const { workflow_id: wf } = ok(await createWorkflowAction.run(o.users.admin, { orgId: o.orgId, name: "W", template: "Hi {{x}}" }));
    ok(await publishAction.run(o.users.admin, { orgId: o.orgId, workflowId: wf }));
    const before = (await auditPageData({ userId: o.users.admin, orgId: o.orgId })).length;
    expect(await moveLabelAction.run(o.users.member, { orgId: o.orgId, workflowId: wf, label: "staging", version: 1 })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await moveLabelAction.run(o.users.admin, { orgId: o.orgId, workflowId: wf, label: "staging", version: 7 })).toMatchObject({
      ok: false,
      error: { code: "workflow_not_found" },
    });
    expect(await moveLabelAction.run(o.users.admin, { orgId: o.orgId, workflowId: wf, label: "latest", version: 1 })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await rollbackAction.run(o.users.admin, { orgId: o.orgId, workflowId: wf, version: 1 })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    // A move to where the label already is changes nothing and is not recorded.
    expect(ok(await moveLabelAction.run(o.users.admin, { orgId: o.orgId, workflowId: wf, label: "production", version: 1 }))).toMatchObject(
      { moved: false },
    );
    expect(await auditPageData({ userId: o.users.admin, orgId: o.orgId })).toHaveLength(before);
  });

  it.each([
    { who: "member", code: "forbidden" },
    { who: "outsider", code: "not_found" },
  ])("the audit log is not readable by a $who", async ({ who, code }) => {
    const o = await createDashboardOrg();
    const other = await createDashboardOrg();
    const userId = who === "member" ? o.users.member : other.users.owner;
    await expect(auditPageData({ userId, orgId: o.orgId })).rejects.toMatchObject({ code });
  });
});

describe("audit log: membership", () => {
  // better-auth's organization plugin records the creator of an org (its creation hook); every
  // other membership change goes through the dashboard's own actions (lib/orgs), which write their
  // entry in the change's transaction. better-auth's member endpoints are not served
  // (tests/api/better-auth-routes.test.ts), so it has no hooks for them.
  it("records sign-up's org creation, then role changes and removals by the acting admin", async () => {
    const { getAuth } = await import("@/lib/auth/auth");
    const { changeMemberRole, removeMember } = await import("@/lib/orgs/members");
    const { getDb } = await import("@/db");
    const { member, user } = await import("@/db/schema");
    const { randomAlnum } = await import("@/lib/ids");
    const auth = await getAuth();
    const email = `owner-${Date.now()}@example.com`;
    const signUp = await auth.api.signUpEmail({ body: { email, password: "correct horse battery", name: "Owner" }, returnHeaders: true });
    const cookie = signUp.headers.get("set-cookie")!.split(";")[0]!;
    const headers = new Headers({ cookie });
    const org = await auth.api.createOrganization({ body: { name: "Audited", slug: `audited-${Date.now()}` }, headers });
    const ownerId = signUp.response.user.id;
    const otherId = randomAlnum(24);
    const db = await getDb();
    await db.insert(user).values({ id: otherId, name: "New", email: `${otherId}@example.com` });
    await db.insert(member).values({ id: randomAlnum(24), organizationId: org!.id, userId: otherId, role: "member" });
    const actor = { userId: ownerId, orgId: org!.id, role: "owner" as const };
    await changeMemberRole({ actor, userId: otherId, role: "admin" });
    await removeMember({ actor, userId: otherId });
    const entries = await auditPageData({ userId: ownerId, orgId: org!.id });
    expect(entries.map((e) => [e.action, e.actorId, e.targetId, e.details])).toEqual([
      ["member.remove", ownerId, otherId, expect.objectContaining({ role: "admin" })],
      ["member.role_update", ownerId, otherId, expect.objectContaining({ from: "member", to: "admin" })],
      ["member.add", ownerId, ownerId, expect.objectContaining({ role: "owner", email })],
    ]);
  });
});

describe("audit log: invitations (the dashboard's own invite links)", () => {
  it("records the invite (by the admin) and the join (by the invitee)", async () => {
    const { inviteMemberAction } = await import("@/app/dashboard/members/actions");
    const { acceptInvitation } = await import("@/lib/orgs/invitations");
    const { getDb } = await import("@/db");
    const { user } = await import("@/db/schema");
    const o = await createDashboardOrg();
    const email = `invitee-${Date.now()}@example.com`;
    const inv = ok(await inviteMemberAction.run(o.users.admin, { orgId: o.orgId, email, role: "admin" }));
    const inviteeId = `u${Date.now()}`;
    await (await getDb()).insert(user).values({ id: inviteeId, name: "Invitee", email });
    await acceptInvitation({ invitationId: inv.invitation_id, userId: inviteeId, email });
    const entries = await auditPageData({ userId: o.users.owner, orgId: o.orgId });
    expect(entries.map((e) => [e.action, e.actorId, e.targetId])).toEqual([
      ["member.add", inviteeId, inviteeId],
      ["member.invite", o.users.admin, inv.invitation_id],
    ]);
  });
});
