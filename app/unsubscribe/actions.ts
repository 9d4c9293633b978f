"use server";

import { stopNotices } from "@/lib/notices/opt-out";

/** The unsubscribe page's button: the signed token is the authority, no session needed. */
export async function unsubscribeAction(token: string) {
  return stopNotices(token);
}
