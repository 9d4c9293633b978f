import "server-only";
import { currentUser } from "@/lib/auth/current-user";
import { isOperator } from "@/lib/operator/operators";

/** Whether the signed-in user of this request is an operator (the dashboard shows them the Operator link). */
export async function isOperatorUser() {
  const user = await currentUser();
  return !!user && (await isOperator(user));
}
