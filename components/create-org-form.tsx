"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { authClient } from "./auth-client";
import { Button, Field, FormError, Input } from "./ui";

export function CreateOrgForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="space-y-4"
      action={async (form) => {
        const name = String(form.get("org"));
        const slug = `${name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .slice(0, 40)}-${Math.random().toString(36).slice(2, 8)}`;
        const res = await authClient.organization.create({ name, slug });
        if (res.error) return setError(res.error.message ?? "Could not create the organization");
        await authClient.organization.setActive({ organizationId: res.data!.id });
        router.push("/dashboard/workflows");
        router.refresh();
      }}
    >
      <Field label="Organization name">
        <Input name="org" required maxLength={100} placeholder="Acme" />
      </Field>
      <FormError>{error}</FormError>
      <Button type="submit">Create organization</Button>
    </form>
  );
}
