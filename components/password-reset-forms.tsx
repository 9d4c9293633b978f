"use client";

import Link from "next/link";
import { useState } from "react";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";
import { errorOf, useFormSubmit } from "./use-form-submit";

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordForm() {
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useFormSubmit();
  if (sent) {
    return (
      <p role="status" className="text-sm">
        If an account uses this address, a link to choose a new password is on its way. It works once, for 1 hour.
      </p>
    );
  }
  return (
    <form
      onSubmit={(e) =>
        submit(e, async (form) => {
          const res = await authClient.requestPasswordReset({ email: String(form.get("email")) });
          if (!res.error) setSent(true);
          return errorOf(res, "Could not send the link");
        })
      }
      className="space-y-4"
    >
      <Field label="Email">
        <Input name="email" type="email" required autoComplete="email" />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit" disabled={busy} className="w-full">
        Send reset link
      </Button>
    </form>
  );
}

/** Sets a new password with the token from the mailed link; better-auth then signs out every session. */
export function ResetPasswordForm({ token }: { token: string }) {
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useFormSubmit();
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
    <form
      onSubmit={(e) =>
        submit(e, async (form) => {
          const newPassword = String(form.get("password"));
          if (newPassword !== String(form.get("confirm"))) return "The two passwords differ";
          const res = await authClient.resetPassword({ newPassword, token });
          if (!res.error) setDone(true);
          return res.error?.code === "INVALID_TOKEN"
            ? "This link has expired or was already used: ask for a new one"
            : errorOf(res, "Could not reset the password");
        })
      }
      className="space-y-4"
    >
      <Field label="New password" hint="At least 8 characters.">
        <Input name="password" type="password" required minLength={8} maxLength={128} autoComplete="new-password" />
      </Field>
      <Field label="Repeat it">
        <Input name="confirm" type="password" required minLength={8} maxLength={128} autoComplete="new-password" />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit" disabled={busy} className="w-full">
        Set new password
      </Button>
    </form>
  );
}
