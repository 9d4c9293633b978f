import Link from "next/link";
import { AuthForm } from "@/components/auth-form";
import { emailVerificationRequired } from "@/lib/auth/email-verification";

export default async function SignUpPage({ searchParams }: { searchParams: Promise<{ invite?: string }> }) {
  const { invite } = await searchParams;
  const valid = invite && /^[a-z0-9]{32}$/.test(invite) ? invite : undefined;
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Create your Flowgate account</h1>
      <AuthForm mode="sign-up" invite={valid} verify={emailVerificationRequired()} />
      <p className="text-sm text-neutral-500">
        Already have one?{" "}
        <Link className="underline" href={valid ? `/sign-in?invite=${valid}` : "/sign-in"}>
          Sign in
        </Link>
      </p>
    </main>
  );
}
