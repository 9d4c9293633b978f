import Link from "next/link";
import { AuthForm } from "@/components/auth-form";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ invite?: string }> }) {
  const { invite } = await searchParams;
  const valid = invite && /^[a-z0-9]{32}$/.test(invite) ? invite : undefined;
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Sign in to Flowgate</h1>
      <AuthForm mode="sign-in" invite={valid} />
      <p className="text-sm text-neutral-500">
        <Link className="underline" href="/forgot-password">
          Forgot your password?
        </Link>
      </p>
      <p className="text-sm text-neutral-500">
        New here?{" "}
        <Link className="underline" href={valid ? `/sign-up?invite=${valid}` : "/sign-up"}>
          Create an account
        </Link>
      </p>
    </main>
  );
}
