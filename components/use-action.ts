"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
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

/**
 * A form that runs one server action through `useAction` when submitted: busy meanwhile, emptied
 * once it succeeded. `use` reads the form and names the action, its confirmation and its toast.
 */
export function useActionForm() {
  const run = useAction();
  const [busy, setBusy] = useState(false);
  async function submit(
    event: FormEvent<HTMLFormElement>,
    use: (form: FormData) => { action: () => Promise<ActionResult>; confirm?: string; ok: string },
  ) {
    event.preventDefault();
    const form = event.currentTarget;
    const { action, ...opts } = use(new FormData(form));
    setBusy(true);
    const ok = await run(action, opts);
    setBusy(false);
    if (ok) form.reset();
    return ok;
  }
  return { busy, submit };
}
