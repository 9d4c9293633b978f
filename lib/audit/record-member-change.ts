import "server-only";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { logger } from "@/lib/logger";
import { recordAudit } from "./record-audit";

type MemberChange = {
  action: "member.add" | "member.remove" | "member.role_update";
  orgId: string;
  /** The member's user, whose membership changed. */
  userId: string;
  email?: string;
  role: string;
  previousRole?: string;
  /** Who did it, when known (the signed-in user of the request); null otherwise. */
  actorId: string | null;
};

/**
 * An org creator's membership, from better-auth's creation hook (lib/auth/auth.ts; the dashboard's
 * own membership changes in lib/orgs write theirs in their transaction). The hook runs after
 * better-auth has committed the change in its own statements, so this cannot share its transaction:
 * it is written right after, and a failure is logged rather than turned into an error for a change
 * already made.
 */
export async function recordMemberChange({ action, orgId, userId, email, role, previousRole, actorId }: MemberChange) {
  try {
    const db = await getDb();
    // The creator's membership is added before our orgs row exists (afterCreateOrganization
    // creates it and records that membership itself).
    if (!(await getOrg(db, orgId))) return;
    await recordAudit(db, {
      orgId,
      actorId,
      action,
      targetId: userId,
      details: { email: email ?? null, role, ...(previousRole !== undefined ? { previous_role: previousRole } : {}) },
    });
  } catch (err) {
    logger.error("could not record a membership change in the audit log", { action, orgId, err });
  }
}
