"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { authClient } from "./auth-client";
import { Button, Field, Input } from "./ui";

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordForm() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const res = await authClient.requestPasswordReset({ email: String(new FormData(event.currentTarget).get("email")) });
    setBusy(false);
    if (res.error) setError(res.error.message ?? "Could not send the link");
    else setSent(true);
  }
  if (sent) {
    return (
      <p role="status" className="text-sm">
        If an account uses this address, a link to choose a new password is on its way. It works once, for 1 hour.
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      <Field label="Email">
        <Input name="email" type="email" required autoComplete="email" />
      </Field>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={busy} className="w-full">
        Send reset link
      </Button>
    </form>
  );
}

/** Sets a new password with the token from the mailed link; better-auth then signs out every session. */
export function ResetPasswordForm({ token }: { token: string }) {
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const newPassword = String(form.get("password"));
    if (newPassword !== String(form.get("confirm"))) {
      setError("The two passwords differ");
      return;
    }
    setBusy(true);
    setError(null);
    const res = await authClient.resetPassword({ newPassword, token });
    setBusy(false);
    if (res.error) {
      setError(
        res.error.code === "INVALID_TOKEN"
          ? "This link has expired or was already used: ask for a new one"
          : (res.error.message ?? "Could not reset the password"),
      );
    } else setDone(true);
  }
  if (done) {
    return (
      <p role="status" className="text-sm">
        Your password was changed and your other sessions signed out.{" "}
        <Link className="underline" href="/sign-in">
          Sign in
        </Link>
      </p>
    );
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      <Field label="New password" hint="At least 8 characters.">
        <Input name="password" type="password" required minLength={8} maxLength={128} autoComplete="new-password" />
      </Field>
      <Field label="Repeat it">
        <Input name="confirm" type="password" required minLength={8} maxLength={128} autoComplete="new-password" />
      </Field>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      <Button type="submit" disabled={busy} className="w-full">
        Set new password
      </Button>
    </form>
  );
}
