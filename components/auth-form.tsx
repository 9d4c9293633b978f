"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { authClient } from "./auth-client";
import { Button, Field, Input } from "./ui";

/**
 * Sign-up creates the account and its first organization; sign-in just signs in. With an
 * invitation, sign-up creates no organization and both go back to the invitation to accept it.
 */
export function AuthForm({ mode, invite }: { mode: "sign-in" | "sign-up"; invite?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // onSubmit, not <form action>: React resets a form after its action runs, and a refused sign-up
  // must keep what was typed.
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    const res = mode === "sign-up"
      ? await authClient.signUp.email({ email, password, name: String(form.get("name")) })
      : await authClient.signIn.email({ email, password });
    if (res.error) {
      setError(res.error.message ?? "Could not sign in");
      setBusy(false);
      return;
    }
    if (mode === "sign-up" && !invite) {
      const orgName = String(form.get("org") || "My organization");
      const slug = `${orgName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "org"}-${Math.random().toString(36).slice(2, 8)}`;
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
  return (
    <form onSubmit={submit} className="space-y-4">
      {mode === "sign-up" ? (
        <>
          <Field label="Your name"><Input name="name" required maxLength={100} autoComplete="name" /></Field>
          {invite ? null : <Field label="Organization"><Input name="org" required maxLength={100} placeholder="Acme" /></Field>}
        </>
      ) : null}
      <Field label="Email"><Input name="email" type="email" required autoComplete="email" /></Field>
      <Field label="Password" hint={mode === "sign-up" ? "At least 8 characters." : undefined}>
        <Input name="password" type="password" required minLength={8} autoComplete={mode === "sign-up" ? "new-password" : "current-password"} />
      </Field>
      {error ? <p role="alert" className="text-sm text-red-600">{error}</p> : null}
      <Button type="submit" disabled={busy} className="w-full">{mode === "sign-up" ? "Create account" : "Sign in"}</Button>
    </form>
  );
}
