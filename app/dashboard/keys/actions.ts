"use server";

import { z } from "zod";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { keyOptionsInput, keyOptionsOf } from "@/lib/auth/key-options-input";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { org } from "@/app/dashboard/action-inputs";

// The API keys page (admins): create (the secret is in this answer only) and revoke.
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const createKeyAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({ ...org, name: z.string().trim().min(1).max(100), options: keyOptionsInput.optional() }),
  },
  ({ input, actor }) => createApiKey({ orgId: actor.orgId, name: input.name, actorId: actor.userId, ...keyOptionsOf(input.options) }),
);

export const revokeKeyAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, keyId: z.string().min(1) }) },
  ({ input, actor }) => revokeApiKey({ orgId: actor.orgId, keyId: input.keyId, actorId: actor.userId }),
);
