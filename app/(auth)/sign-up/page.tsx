import Link from "next/link";
import { AuthForm } from "@/components/auth-form";

export default function SignUpPage() {
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Create your Flowgate account</h1>
      <AuthForm mode="sign-up" />
      <p className="text-sm text-neutral-500">Already have one? <Link className="underline" href="/sign-in">Sign in</Link></p>
    </main>
  );
}
