"use client";

import { useRouter } from "next/navigation";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";
import { errorOf, useFormSubmit } from "./use-form-submit";

/** Deletes the account for good, with the password; refused while it is an org's only owner. */
export function DeleteAccountForm() {
  const router = useRouter();
  const { busy, error, submit } = useFormSubmit();
  return (
    <form
      onSubmit={(e) =>
        submit(e, async (form) => {
          if (String(form.get("confirm")) !== "delete my account") return 'Type "delete my account" to confirm';
          const res = await authClient.deleteUser({ password: String(form.get("password")) });
          if (res.error) return errorOf(res, "Could not delete the account");
          router.push("/sign-up");
          router.refresh();
          return null;
        })
      }
      className="space-y-3"
    >
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
      <FormError>{error}</FormError>
      <Button type="submit" variant="danger" disabled={busy}>
        Delete my account
      </Button>
    </form>
  );
}
