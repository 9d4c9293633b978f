import Link from "next/link";
import { AuthForm } from "@/components/auth-form";

export default function SignInPage() {
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Sign in to Flowgate</h1>
      <AuthForm mode="sign-in" />
      <p className="text-sm text-neutral-500">New here? <Link className="underline" href="/sign-up">Create an account</Link></p>
    </main>
  );
}
