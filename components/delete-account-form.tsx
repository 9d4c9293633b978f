"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { authClient } from "./auth-client";
import { Button, Field, Input } from "./ui";

/** Deletes the account for good, with the password; refused while it is an org's only owner. */
export function DeleteAccountForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (String(form.get("confirm")) !== "delete my account") {
      setError('Type "delete my account" to confirm');
      return;
    }
    setBusy(true);
    setError(null);
    const res = await authClient.deleteUser({ password: String(form.get("password")) });
    setBusy(false);
    if (res.error) return setError(res.error.message ?? "Could not delete the account");
    router.push("/sign-up");
    router.refresh();
  }
  return (
    <form onSubmit={submit} className="space-y-3">
      <p className="text-sm">
        Your name, address, password and sessions are deleted. Organizations keep their usage and audit records under an anonymous id. An
        organization you are the only owner of must get another owner first; one with nobody else in it keeps its records, and its API keys
        are revoked.
      </p>
      <Field label="Password">
        <Input name="password" type="password" required autoComplete="current-password" />
      </Field>
      <Field label='Type "delete my account"'>
        <Input name="confirm" required autoComplete="off" />
      </Field>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <Button type="submit" variant="danger" disabled={busy}>
        Delete my account
      </Button>
    </form>
  );
}
