"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { MAX_RETENTION_DAYS, setStorageSettings } from "@/lib/orgs/org-settings";
import { org } from "@/app/dashboard/action-inputs";

// The org's data settings (admins): how long runs' inputs and outputs are kept, and whether they
// are stored with personal data masked (README, "Retention and masking"). Audited.

export const setStorageSettingsAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({ ...org, retentionDays: z.number().int().min(0).max(MAX_RETENTION_DAYS).nullable(), maskPii: z.boolean() }),
  },
  ({ input, actor }) =>
    setStorageSettings({ orgId: actor.orgId, actorId: actor.userId, retentionDays: input.retentionDays, maskPii: input.maskPii }),
);
