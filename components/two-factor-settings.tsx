"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";
import { errorOf, useFormSubmit } from "./use-form-submit";

/**
 * Enrolment: the password, then the authenticator app's secret and the backup codes (shown once),
 * then a first code from the app, which turns two-factor sign-in on. Turning it off takes the password.
 */
export function TwoFactorSettings({ enabled }: { enabled: boolean }) {
  const router = useRouter();
  const { busy, error, submit } = useFormSubmit();
  const [enrolment, setEnrolment] = useState<{ uri: string; secret: string; backupCodes: string[] } | null>(null);

  if (enabled) {
    return (
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) =>
          submit(e, async (form) => {
            const res = await authClient.twoFactor.disable({ password: String(form.get("password")) });
            if (!res.error) router.refresh();
            return errorOf(res);
          })
        }
      >
        <p className="w-full text-sm">
          Two-factor sign-in is <strong>on</strong>: signing in asks for a code from your authenticator app (or a backup code).
        </p>
        <div className="min-w-64 flex-1">
          <Field label="Password">
            <Input name="password" type="password" required autoComplete="current-password" />
          </Field>
        </div>
        <Button type="submit" variant="danger" disabled={busy}>
          Turn off
        </Button>
        <FormError>{error}</FormError>
      </form>
    );
  }
  if (enrolment) {
    return (
      <div className="space-y-3 text-sm">
        <p>
          Add this account to your authenticator app with the key below (or the <code>otpauth://</code> link), then type the 6-digit code it
          shows.
        </p>
        <p>
          Key:{" "}
          <code data-testid="totp-secret" className="break-all font-mono">
            {enrolment.secret}
          </code>
        </p>
        <p className="text-xs text-neutral-500 break-all">
          <code data-testid="totp-uri">{enrolment.uri}</code>
        </p>
        <div>
          <p>Backup codes — each works once if you lose the app; keep them somewhere safe, they are not shown again:</p>
          <ul data-testid="backup-codes" className="mt-1 grid grid-cols-2 gap-1 font-mono text-xs">
            {enrolment.backupCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) =>
            submit(e, async (form) => {
              const res = await authClient.twoFactor.verifyTotp({ code: String(form.get("code")).replace(/\s+/g, "") });
              if (!res.error) router.refresh();
              return errorOf(res);
            })
          }
        >
          <div className="w-40">
            <Field label="Code from the app">
              <Input name="code" inputMode="numeric" pattern="[0-9 ]{6,7}" required autoComplete="one-time-code" />
            </Field>
          </div>
          <Button type="submit" disabled={busy}>
            Turn on
          </Button>
          <FormError>{error}</FormError>
        </form>
      </div>
    );
  }
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) =>
        submit(e, async (form) => {
          const res = await authClient.twoFactor.enable({ password: String(form.get("password")) });
          if (res.data && "totpURI" in res.data && res.data.totpURI) {
            const uri = res.data.totpURI;
            setEnrolment({ uri, secret: new URL(uri).searchParams.get("secret") ?? "", backupCodes: res.data.backupCodes ?? [] });
          }
          return errorOf(res);
        })
      }
    >
      <p className="w-full text-sm">
        Two-factor sign-in is <strong>off</strong>. With it on, signing in also asks for a code from an authenticator app.
      </p>
      <div className="min-w-64 flex-1">
        <Field label="Password">
          <Input name="password" type="password" required autoComplete="current-password" />
        </Field>
      </div>
      <Button type="submit" disabled={busy}>
        Set up two-factor sign-in
      </Button>
      <FormError>{error}</FormError>
    </form>
  );
}

/** Signs out every session of the account, this one included, or every other one. */
export function SignOutEverywhere() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  return (
    <div className="flex flex-wrap gap-2">
      <Button
        type="button"
        variant="secondary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await authClient.revokeOtherSessions();
          setBusy(false);
          router.refresh();
        }}
      >
        Sign out other sessions
      </Button>
      <Button
        type="button"
        variant="danger"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await authClient.revokeSessions();
          router.push("/sign-in");
          router.refresh();
        }}
      >
        Sign out everywhere
      </Button>
    </div>
  );
}
