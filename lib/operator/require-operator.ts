import "server-only";
import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/current-user";
import { isOperator, type OperatorRef } from "./operators";

/**
 * For /operator pages and their server actions: the signed-in operator, else Next's 404 — signed
 * out, a member, an unverified address alike: nobody else learns the console exists.
 */
export async function requireOperator(): Promise<OperatorRef & { userId: string; email: string }> {
  const user = await currentUser();
  if (!user || !(await isOperator(user))) notFound();
  return { userId: user.id, email: user.email, label: user.email };
}
