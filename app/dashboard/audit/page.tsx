import { notFound } from "next/navigation";
import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { auditPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

// Admins and owners only: members get the not-found page (auditPageData re-checks the role).
export default async function AuditPage() {
  const me = await requireOrgPage();
  if (me.role === "member") notFound();
  const entries = await auditPageData(me);
  return (
    <>
      <h1 className="text-2xl font-semibold">Audit log</h1>
      <Card>
        {entries.length === 0 ? (
          <Empty>Nothing recorded yet: publishing, label moves and key changes appear here.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="audit-log">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">When</th>
                <th>Who</th>
                <th>Action</th>
                <th>Target</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} className="border-t border-neutral-200 align-top dark:border-neutral-800">
                  <td className="whitespace-nowrap py-2 pr-3">{e.at.toISOString().slice(0, 19).replace("T", " ")}</td>
                  <td className="pr-3">{actorOf(e)}</td>
                  <td className="pr-3 font-mono text-xs">{e.action}</td>
                  <td className="pr-3 font-mono text-xs">{e.targetId}</td>
                  <td className="font-mono text-xs break-all">{JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

/** A user's email, an API key (the management API) by name and prefix, or the system (CLI, seed). */
function actorOf(e: { actorId: string | null; actorEmail: string | null; actorKeyName: string | null; actorKeyPrefix: string | null }) {
  if (!e.actorId) return "system";
  if (e.actorKeyName !== null) return `API key "${e.actorKeyName}" (${e.actorKeyPrefix})`;
  return e.actorEmail ?? "a former user";
}
