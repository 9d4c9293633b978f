import { getDb } from "@/db";
import { member, organization, user } from "@/db/schema";
import { newId, randomAlnum } from "@/lib/ids";
import { createOrg } from "@/lib/orgs/create-org";

/** A dashboard org (better-auth organization + our orgs row) with one user per role. */
export async function createDashboardOrg() {
  const db = await getDb();
  const orgId = newId.org();
  await db.insert(organization).values({ id: orgId, name: "Org", slug: `org-${randomAlnum(10)}` });
  await createOrg({ id: orgId, name: "Org", credits: 100_000 });
  const users: Record<"owner" | "admin" | "member", string> = { owner: "", admin: "", member: "" };
  for (const role of ["owner", "admin", "member"] as const) {
    const id = randomAlnum(24);
    await db.insert(user).values({ id, name: role, email: `${id}@example.com` });
    await db.insert(member).values({ id: randomAlnum(24), organizationId: orgId, userId: id, role });
    users[role] = id;
  }
  return { orgId, users };
}
