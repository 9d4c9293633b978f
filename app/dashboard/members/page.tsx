import { CancelInvitationButton } from "./cancel-invitation-button";
import { InviteForm } from "./invite-form";
import { MemberActions } from "./member-actions";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { RequireTwoFactorToggle } from "./require-two-factor-toggle";
import { membersPageData } from "@/lib/orgs/invitations";
import { getOrgSettings } from "@/lib/orgs/org-settings";

export const dynamic = "force-dynamic";

export default async function MembersPage() {
  const me = await requireOrgPage();
  const [{ members, invitations }, settings] = await Promise.all([membersPageData(me.orgId), getOrgSettings(me.orgId)]);
  const canEdit = me.role !== "member";
  return (
    <>
      <h1 className="text-2xl font-semibold">Members</h1>
      {canEdit ? (
        <Card title="Invite someone">
          <InviteForm orgId={me.orgId} />
        </Card>
      ) : null}
      {canEdit ? (
        <Card title="Sign-in security">
          <RequireTwoFactorToggle orgId={me.orgId} on={settings.requireTwoFactor} />
        </Card>
      ) : null}
      <Card title={`${members.length} member${members.length === 1 ? "" : "s"}`}>
        <table className="w-full text-sm" data-testid="members">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Joined</th>
              {canEdit ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id} className="border-t border-neutral-200 dark:border-neutral-800">
                <td className="py-2">
                  {m.name}
                  {m.userId === me.userId ? " (you)" : ""}
                </td>
                <td>{m.email}</td>
                <td>{m.role}</td>
                <td>{m.joinedAt.toISOString().slice(0, 10)}</td>
                {canEdit ? (
                  <td className="py-1.5">
                    {m.userId === me.userId ? null : (
                      <MemberActions orgId={me.orgId} userId={m.userId} name={m.name} role={m.role} canManageOwners={me.role === "owner"} />
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {canEdit && invitations.length ? (
        <Card title="Pending invitations">
          <ul className="space-y-1 text-sm">
            {invitations.map((i) => (
              <li key={i.id} className="flex items-center justify-between gap-2">
                <span>
                  {i.email} · {i.role} · expires {i.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC
                </span>
                <CancelInvitationButton orgId={me.orgId} invitationId={i.id} email={i.email} />
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}
