import "server-only";
import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/current-user";
import { isOperator, type OperatorRef } from "./operators";

type SignedIn = { id: string; email: string; emailVerified: boolean } | null | undefined;
export type Operator = OperatorRef & { userId: string; email: string };

/**
 * For /operator pages and their server actions: the signed-in operator, else Next's 404 — signed
 * out, a member, an unverified address alike: nobody else learns the console exists.
 */
export async function requireOperator(): Promise<Operator> {
  return operatorOr404(await currentUser());
}

/** requireOperator for a given user (the session's, or a test's: the same check without the cookie). */
export async function operatorOr404(user: SignedIn): Promise<Operator> {
  if (!user || !(await isOperator(user))) notFound();
  return { userId: user.id, email: user.email, label: user.email };
}
