"use client";

import { useRouter } from "next/navigation";
import { useState, useSyncExternalStore, type FormEvent } from "react";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";

/**
 * Sign-up creates the account and its first organization; sign-in just signs in. With an
 * invitation, sign-up creates no organization and both go back to the invitation to accept it.
 * With `verify` (email verification required), sign-up ends at "check your mail": the mailed link
 * signs the account in and goes on to the invitation, or to naming the first organization.
 */
export function AuthForm({ mode, invite, verify = false }: { mode: "sign-in" | "sign-up"; invite?: string; verify?: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [unverified, setUnverified] = useState<string | null>(null);
  const [secondFactor, setSecondFactor] = useState(false);
  const callbackURL = invite ? `/invite/${invite}` : "/onboarding";
  // The submit button works once React has hydrated the form: before, a click (or Enter) would
  // submit it natively, as a GET that puts the password in the URL and loses the sign-up.
  const hydrated = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  // onSubmit, not <form action>: React resets a form after its action runs, and a refused sign-up
  // must keep what was typed.
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    const res =
      mode === "sign-up"
        ? await authClient.signUp.email({ email, password, name: String(form.get("name")), ...(verify ? { callbackURL } : {}) })
        : await authClient.signIn.email({ email, password });
    if (res.error) {
      if (res.error.code === "EMAIL_NOT_VERIFIED") setUnverified(email);
      else setError(res.error.message ?? "Could not sign in");
      setBusy(false);
      return;
    }
    if (res.data && "twoFactorRedirect" in res.data && res.data.twoFactorRedirect) {
      setSecondFactor(true);
      setBusy(false);
      return;
    }
    if (mode === "sign-up" && verify) {
      setUnverified(email);
      setBusy(false);
      return;
    }
    if (mode === "sign-up" && !invite) {
      const orgName = String(form.get("org") || "My organization");
      const slug = `${
        orgName
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-|-$/g, "")
          .slice(0, 40) || "org"
      }-${Math.random().toString(36).slice(2, 8)}`;
      const org = await authClient.organization.create({ name: orgName, slug });
      if (org.error) {
        setError(org.error.message ?? "Could not create the organization");
        setBusy(false);
        return;
      }
      await authClient.organization.setActive({ organizationId: org.data!.id });
    }
    router.push(invite ? `/invite/${invite}` : "/dashboard/workflows");
    router.refresh();
  }
  if (unverified) return <VerifyEmailNotice email={unverified} callbackURL={callbackURL} />;
  if (secondFactor) return <SecondFactorForm next={invite ? `/invite/${invite}` : "/dashboard/workflows"} />;
  return (
    <form onSubmit={submit} className="space-y-4">
      {mode === "sign-up" ? (
        <>
          <Field label="Your name">
            <Input name="name" required maxLength={100} autoComplete="name" />
          </Field>
          {invite || verify ? null : (
            <Field label="Organization">
              <Input name="org" required maxLength={100} placeholder="Acme" />
            </Field>
          )}
        </>
      ) : null}
      <Field label="Email">
        <Input name="email" type="email" required autoComplete="email" />
      </Field>
      <Field label="Password" hint={mode === "sign-up" ? "At least 8 characters." : undefined}>
        <Input
          name="password"
          type="password"
          required
          minLength={8}
          autoComplete={mode === "sign-up" ? "new-password" : "current-password"}
        />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit" disabled={busy || !hydrated} className="w-full">
        {mode === "sign-up" ? "Create account" : "Sign in"}
      </Button>
    </form>
  );
}

/** After sign-up, or a sign-in refused for an unverified address: the mailed link, and a limited resend. */
function VerifyEmailNotice({ email, callbackURL }: { email: string; callbackURL: string }) {
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function resend() {
    setBusy(true);
    const res = await authClient.sendVerificationEmail({ email, callbackURL });
    setBusy(false);
    setNote(res.error ? (res.error.message ?? "Could not send the link") : "Sent again. Only the newest few links are sent in an hour.");
  }
  return (
    <div role="status" className="space-y-3 text-sm">
      <p>
        Check your mail: we sent a link to <strong>{email}</strong>. Open it to verify the address and sign in; it works for 1 hour.
      </p>
      <Button type="button" variant="secondary" disabled={busy} onClick={resend}>
        Send the link again
      </Button>
      {note ? <p className="text-neutral-500">{note}</p> : null}
    </div>
  );
}

const noSubscription = () => () => {};

/** The second step of a two-factor sign-in: a code from the authenticator app, or a backup code. */
function SecondFactorForm({ next }: { next: string }) {
  const router = useRouter();
  const [backup, setBackup] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get("code")).replace(/\s+/g, "");
    setBusy(true);
    setError(null);
    const res = backup ? await authClient.twoFactor.verifyBackupCode({ code }) : await authClient.twoFactor.verifyTotp({ code });
    if (res.error) {
      setError(res.error.message ?? "That code did not work");
      setBusy(false);
      return;
    }
    router.push(next);
    router.refresh();
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      <Field label={backup ? "Backup code" : "Code from your authenticator app"}>
        <Input
          key={backup ? "backup" : "totp"}
          name="code"
          required
          autoFocus
          autoComplete="one-time-code"
          inputMode={backup ? "text" : "numeric"}
        />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit" disabled={busy} className="w-full">
        Verify
      </Button>
      <button type="button" className="text-sm text-neutral-500 underline" onClick={() => setBackup(!backup)}>
        {backup ? "Use the authenticator app" : "Use a backup code"}
      </button>
    </form>
  );
}
