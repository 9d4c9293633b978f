"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { redeliverWebhook } from "@/lib/webhooks/deliveries";
import { createWebhookEndpoint, createWebhookInput, deleteWebhook, enableWebhook } from "@/lib/webhooks/endpoints";
import { org } from "@/app/dashboard/action-inputs";

// Webhooks (admins): register endpoints (the whsec_ secret is in this answer only), re-enable one
// disabled after a day of failures, delete one, and send a delivery again.
// Each call re-resolves the session and the membership of the org it names (orgAction).

const webhook = { ...org, webhookId: z.string().min(1).max(100) };

export const createWebhookAction = orgAction(
  { role: "admin", currentUserId, input: createWebhookInput.extend(org) },
  ({ input: { orgId: _, ...input }, actor }) => createWebhookEndpoint({ orgId: actor.orgId, actorId: actor.userId, ...input }),
);

export const enableWebhookAction = orgAction({ role: "admin", currentUserId, input: z.object(webhook) }, ({ input, actor }) =>
  enableWebhook({ orgId: actor.orgId, endpointId: input.webhookId }),
);

export const deleteWebhookAction = orgAction({ role: "admin", currentUserId, input: z.object(webhook) }, ({ input, actor }) =>
  deleteWebhook({ orgId: actor.orgId, endpointId: input.webhookId, actorId: actor.userId }),
);

export const redeliverWebhookAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, deliveryId: z.string().min(1).max(100) }) },
  ({ input, actor }) => redeliverWebhook({ orgId: actor.orgId, deliveryId: input.deliveryId }),
);
