import Link from "next/link";
import { ForgotPasswordForm } from "@/components/password-reset-forms";

// Rendered per request: the page's scripts carry the request's CSP nonce (proxy.ts), which a
// prerendered page could not.
export const dynamic = "force-dynamic";

export default function ForgotPasswordPage() {
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Reset your password</h1>
      <ForgotPasswordForm />
      <p className="text-sm text-neutral-500">
        <Link className="underline" href="/sign-in">
          Back to sign in
        </Link>
      </p>
    </main>
  );
}
