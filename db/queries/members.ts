import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { member, organization } from "../schema";

export async function getMembership(tx: DbOrTx, { orgId, userId }: { orgId: string; userId: string }) {
  const [row] = await tx
    .select({ role: member.role, orgName: organization.name })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(and(eq(member.organizationId, orgId), eq(member.userId, userId)))
    .limit(1);
  return row;
}

export async function listMemberships(tx: DbOrTx, userId: string) {
  return tx
    .select({ orgId: organization.id, name: organization.name, role: member.role })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(eq(member.userId, userId));
}
