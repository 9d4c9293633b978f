import Link from "next/link";
import { ResetPasswordForm } from "@/components/password-reset-forms";

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  // better-auth's tokens are 24 letters and digits; anything else cannot be one.
  const valid = token && /^[A-Za-z0-9]{16,64}$/.test(token) ? token : undefined;
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Choose a new password</h1>
      {valid ? (
        <ResetPasswordForm token={valid} />
      ) : (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          This link is incomplete: open the one in the mail again, or{" "}
          <Link className="underline" href="/forgot-password">
            ask for a new one
          </Link>
          .
        </p>
      )}
    </main>
  );
}
