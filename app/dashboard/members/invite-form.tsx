"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { inviteMemberAction } from "./actions";
import { CopyButton } from "@/components/copy-button";
import { useToast } from "@/components/toast";
import { Button, Input } from "@/components/ui";

/** An invitation is mailed to the address; its link is shown too, to copy and send another way. */
export function InviteForm({ orgId }: { orgId: string }) {
  const router = useRouter();
  const toast = useToast();
  const [link, setLink] = useState<string | null>(null);
  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap gap-2"
        action={async (form) => {
          const res = await inviteMemberAction({ orgId, email: String(form.get("email")), role: String(form.get("role")) });
          if (!res.ok) return toast.error(res.error.message);
          setLink(`${window.location.origin}${res.data.path}`);
          router.refresh();
        }}
      >
        <div className="min-w-64 flex-1">
          <Input name="email" type="email" required placeholder="teammate@example.com" aria-label="Email to invite" />
        </div>
        <select
          name="role"
          aria-label="Role"
          defaultValue="member"
          className="rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        >
          <option value="member">member (view and run)</option>
          <option value="admin">admin (edit, publish, keys)</option>
        </select>
        <Button type="submit">Send invitation</Button>
      </form>
      {link ? (
        <div
          role="status"
          className="flex items-center gap-2 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm dark:border-indigo-800 dark:bg-indigo-950"
        >
          <span className="flex-1">
            Invitation mailed. The link, to send another way if it does not arrive (privately: it works once, for an account with that
            address, for 48 hours):{" "}
            <code data-testid="invite-link" className="break-all">
              {link}
            </code>
          </span>
          <CopyButton text={link} />
        </div>
      ) : null}
    </div>
  );
}
