"use client";

import { useState, type FormEvent } from "react";
import { authClient } from "./auth-client";
import { Button, Field, Input } from "./ui";

/** Asks to change the account's address: the new one gets a link, and nothing changes until it is opened. */
export function AccountEmailForm({ email }: { email: string }) {
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const newEmail = String(new FormData(event.currentTarget).get("email"));
    setBusy(true);
    setError(null);
    const res = await authClient.changeEmail({ newEmail, callbackURL: "/account" });
    setBusy(false);
    if (res.error) setError(res.error.message ?? "Could not change the address");
    else setNote(`We sent a link to ${newEmail}. Your address stays ${email} until it is opened.`);
  }
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
      <div className="min-w-64 flex-1">
        <Field label="New email">
          <Input name="email" type="email" required autoComplete="email" />
        </Field>
      </div>
      <Button type="submit" disabled={busy}>
        Change email
      </Button>
      {error ? (
        <p role="alert" className="w-full text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      {note ? (
        <p role="status" className="w-full text-sm text-neutral-500">
          {note}
        </p>
      ) : null}
    </form>
  );
}
