import { redirect } from "next/navigation";
import { CreateOrgForm } from "@/components/create-org-form";
import { currentUser } from "@/lib/auth/current-user";

export const dynamic = "force-dynamic";

export default async function OnboardingPage() {
  if (!(await currentUser())) redirect("/sign-in");
  return (
    <main className="mx-auto mt-20 max-w-sm space-y-6 p-6">
      <h1 className="text-2xl font-semibold">Create an organization</h1>
      <p className="text-sm text-neutral-500">Workflows, API keys and credits belong to an organization.</p>
      <CreateOrgForm />
    </main>
  );
}
