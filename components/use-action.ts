"use client";

import { useRouter } from "next/navigation";
import { useToast } from "./toast";

export type ActionResult = { ok: true } | { ok: false; error: { message: string } };

/**
 * How every dashboard button runs a server action: ask first when it is destructive, run it,
 * toast the outcome, then refresh the server-rendered page. Returns whether it succeeded.
 */
export function useAction() {
  const router = useRouter();
  const toast = useToast();
  return async (action: () => Promise<ActionResult>, { confirm, ok }: { confirm?: string; ok: string }) => {
    if (confirm && !window.confirm(confirm)) return false;
    const res = await action();
    if (res.ok) toast.ok(ok);
    else toast.error(res.error.message);
    router.refresh();
    return res.ok;
  };
}
