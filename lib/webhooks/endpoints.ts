import "server-only";
import { z } from "zod";
import { getDb } from "@/db";
import { deleteWebhookEndpoint, enableWebhookEndpoint, insertWebhookEndpoint, listWebhookEndpoints } from "@/db/queries/webhooks";
import { WEBHOOK_EVENTS } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { newId, newSecret } from "@/lib/ids";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { parseWebhookUrl, resolveAllowedAddress } from "./outbound";

export const MAX_ENDPOINTS_PER_ORG = 20;

export const createWebhookInput = z
  .object({
    url: z.string().min(1).max(2048),
    events: z
      .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(", ")}` }))
      .min(1)
      .max(WEBHOOK_EVENTS.length),
    includeData: z.boolean().default(false),
  })
  .strict();

/**
 * Registers an endpoint; the whsec_ secret exists in this return value and in the row it signs
 * with — shown once, never in the audit entry. The URL must reach a public address now (it is
 * checked again at every delivery).
 */
export async function createWebhookEndpoint({
  orgId,
  actorId = null,
  ...input
}: { orgId: string; actorId?: string | null } & z.input<typeof createWebhookInput>) {
  const { url, events, includeData } = parseInputOrThrow(createWebhookInput, input);
  await resolveAllowedAddress(parseWebhookUrl(url));
  const db = await getDb();
  if ((await listWebhookEndpoints(db, orgId)).length >= MAX_ENDPOINTS_PER_ORG)
    throw new AppError("invalid_request", `At most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints per organization`);
  const secret = newSecret.webhookSecret();
  const row = await db.transaction(async (tx) => {
    const wh = await insertWebhookEndpoint(tx, { id: newId.webhook(), orgId, url, events: [...new Set(events)], secret, includeData });
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "webhook.create",
      targetId: wh.id,
      details: { url, events: wh.events, include_data: includeData },
    });
    return wh;
  });
  return { webhook_id: row.id, secret, url: row.url, events: row.events, include_data: row.includeData };
}

/** An org's endpoints as admins see them: no secret; why one was disabled. */
export async function listWebhooks(orgId: string) {
  const rows = await listWebhookEndpoints(await getDb(), orgId);
  return rows.map((w) => ({
    webhook_id: w.id,
    url: w.url,
    events: w.events,
    include_data: w.includeData,
    created_at: w.createdAt.toISOString(),
    failing_since: w.failingSince?.toISOString() ?? null,
    disabled_at: w.disabledAt?.toISOString() ?? null,
    disabled_reason: w.disabledReason,
  }));
}

export async function deleteWebhook({ orgId, endpointId, actorId = null }: { orgId: string; endpointId: string; actorId?: string | null }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const row = await deleteWebhookEndpoint(tx, { orgId, endpointId });
    if (!row) throw new AppError("not_found", "Webhook endpoint not found");
    await recordAudit(tx, { orgId, actorId, action: "webhook.delete", targetId: row.id, details: { url: row.url } });
    return { webhook_id: row.id, deleted: true };
  });
}

export async function enableWebhook({ orgId, endpointId }: { orgId: string; endpointId: string }) {
  const row = await enableWebhookEndpoint(await getDb(), { orgId, endpointId });
  if (!row) throw new AppError("not_found", "Webhook endpoint not found");
  return { webhook_id: row.id, enabled: true };
}
