"use client";

import { useState } from "react";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";
import { errorOf, useFormSubmit } from "./use-form-submit";

/** Asks to change the account's address: the new one gets a link, and nothing changes until it is opened. */
export function AccountEmailForm({ email }: { email: string }) {
  const [note, setNote] = useState<string | null>(null);
  const { busy, error, submit } = useFormSubmit();
  return (
    <form
      onSubmit={(e) =>
        submit(e, async (form) => {
          const newEmail = String(form.get("email"));
          const res = await authClient.changeEmail({ newEmail, callbackURL: "/account" });
          if (!res.error) setNote(`We sent a link to ${newEmail}. Your address stays ${email} until it is opened.`);
          return errorOf(res, "Could not change the address");
        })
      }
      className="flex flex-wrap items-end gap-2"
    >
      <div className="min-w-64 flex-1">
        <Field label="New email">
          <Input name="email" type="email" required autoComplete="email" />
        </Field>
      </div>
      <Button type="submit" disabled={busy}>
        Change email
      </Button>
      <FormError>{error}</FormError>
      {note ? (
        <p role="status" className="w-full text-sm text-neutral-500">
          {note}
        </p>
      ) : null}
    </form>
  );
}
