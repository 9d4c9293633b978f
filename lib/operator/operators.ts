import "server-only";
import { getDb } from "@/db";
import { deleteOperator, findOperator, insertOperator, listOperatorRows } from "@/db/queries/operators";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

// Who runs this instance (README, "Operators"): the addresses of FLOWGATE_OPERATOR_EMAILS plus the
// operators table (`npm run admin -- operator add|remove --email`). An address counts only for a
// user who has verified it: signing up with someone else's address makes nobody an operator.

/** Who performed an operator action: the operator's user and e-mail, or "cli" for the admin CLI. */
export type OperatorRef = { userId?: string; label: string };

const EMAIL = /^[^\s@,]+@[^\s@,]+$/;

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase();
}

/** FLOWGATE_OPERATOR_EMAILS, parsed: lowercased, blanks dropped. */
export function operatorEmailsFromEnv(): string[] {
  return getEnv()
    .FLOWGATE_OPERATOR_EMAILS.split(",")
    .map(normalizeEmail)
    .filter((e) => e.length > 0);
}

/** Whether this user is one of the instance's operators (verified address, in the env list or the table). */
export async function isOperator(user: { email: string; emailVerified: boolean }): Promise<boolean> {
  if (!user.emailVerified) return false;
  const email = normalizeEmail(user.email);
  if (!email) return false;
  if (operatorEmailsFromEnv().includes(email)) return true;
  return (await findOperator(await getDb(), email)) !== undefined;
}

function checkedEmail(raw: string) {
  const email = normalizeEmail(raw);
  if (!EMAIL.test(email) || email.length > 320) throw new AppError("invalid_request", `Not an e-mail address: ${raw}`);
  return email;
}

/** Adds an operator by address (the admin CLI); `added` is false when the address was already listed. */
export async function addOperator({ email, addedBy }: { email: string; addedBy: string }) {
  const e = checkedEmail(email);
  const added = await insertOperator(await getDb(), { email: e, addedBy });
  return { email: e, added };
}

/** Removes an operator of the table. An address of FLOWGATE_OPERATOR_EMAILS stays an operator: that list is the environment's. */
export async function removeOperator({ email }: { email: string }) {
  const e = checkedEmail(email);
  const removed = await deleteOperator(await getDb(), e);
  if (!removed) throw new AppError("not_found", `${e} is not in the operators table`);
  return { email: e, removed: true, still_operator_by_env: operatorEmailsFromEnv().includes(e) };
}

/** Every operator address: the environment's and the table's. */
export async function listOperators() {
  const rows = await listOperatorRows(await getDb());
  const env = operatorEmailsFromEnv();
  return [
    ...env.map((email) => ({ email, source: "env" as const, added_by: null, created_at: null })),
    ...rows
      .filter((r) => !env.includes(r.email))
      .map((r) => ({ email: r.email, source: "table" as const, added_by: r.addedBy, created_at: r.createdAt.toISOString() })),
  ];
}
