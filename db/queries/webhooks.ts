import { and, arrayContains, desc, eq, getTableColumns, isNull, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { webhookDeliveries, webhookEndpoints, type WebhookEvent } from "../schema";

export async function insertWebhookEndpoint(tx: DbOrTx, values: typeof webhookEndpoints.$inferInsert) {
  const [row] = await tx.insert(webhookEndpoints).values(values).returning();
  return row!;
}

/** An org's endpoints, newest first (the secret is left out: it is shown once, at creation). */
export async function listWebhookEndpoints(tx: DbOrTx, orgId: string) {
  const { secret: _secret, ...cols } = getTableColumns(webhookEndpoints);
  return tx.select(cols).from(webhookEndpoints).where(eq(webhookEndpoints.orgId, orgId)).orderBy(desc(webhookEndpoints.createdAt));
}

export async function deleteWebhookEndpoint(tx: DbOrTx, { orgId, endpointId }: { orgId: string; endpointId: string }) {
  const [row] = await tx
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, endpointId)))
    .returning({ id: webhookEndpoints.id, url: webhookEndpoints.url });
  return row;
}

/** The enabled endpoints of an org that want this event. */
export async function listSubscribedEndpoints(tx: DbOrTx, { orgId, event }: { orgId: string; event: WebhookEvent }) {
  return tx
    .select({ id: webhookEndpoints.id, includeData: webhookEndpoints.includeData })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), isNull(webhookEndpoints.disabledAt), arrayContains(webhookEndpoints.events, [event])));
}

export async function insertWebhookDeliveries(tx: DbOrTx, rows: Array<typeof webhookDeliveries.$inferInsert>) {
  if (rows.length) await tx.insert(webhookDeliveries).values(rows);
}

export async function getDeliveryWithEndpoint(tx: DbOrTx, deliveryId: string) {
  const [row] = await tx
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(eq(webhookDeliveries.id, deliveryId))
    .limit(1);
  return row;
}

export type AttemptOutcome = { status: number | null; latencyMs: number | null; response: string | null; error: string | null };

/** One attempt's outcome on its delivery; `next`: when it is tried again (null: delivered, or given up). */
export async function recordDeliveryAttempt(
  tx: DbOrTx,
  {
    deliveryId,
    outcome,
    final,
    next,
  }: { deliveryId: string; outcome: AttemptOutcome; final: "delivered" | "failed" | null; next: Date | null },
) {
  await tx
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastStatus: outcome.status,
      lastLatencyMs: outcome.latencyMs,
      lastResponse: outcome.response,
      lastError: outcome.error,
      lastAttemptAt: sql`now()`,
      nextAttemptAt: next,
      ...(final ? { status: final } : {}),
    })
    .where(eq(webhookDeliveries.id, deliveryId));
}

/** A delivery succeeded: the endpoint is healthy again. */
export async function markEndpointHealthy(tx: DbOrTx, endpointId: string) {
  await tx
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(eq(webhookEndpoints.id, endpointId), sql`${webhookEndpoints.failingSince} IS NOT NULL`));
}

/**
 * An attempt got no answer in time: one more in a row. From the `openAfter`th in a row the
 * endpoint's circuit opens (again) for `baseMs`, doubled with each further one, at most `maxMs`.
 * Returns until when it is open (null: still closed).
 */
export async function recordEndpointTimeout(
  tx: DbOrTx,
  { endpointId, openAfter, baseMs, maxMs }: { endpointId: string; openAfter: number; baseMs: number; maxMs: number },
) {
  const n = sql`${webhookEndpoints.timeoutsInARow} + 1`;
  const [row] = await tx
    .update(webhookEndpoints)
    .set({
      timeoutsInARow: n,
      circuitOpenUntil: sql`CASE WHEN ${n} >= ${openAfter}
        THEN now() + make_interval(secs => least(${baseMs / 1000}::float8 * power(2, least(${n} - ${openAfter}, 30)), ${maxMs / 1000}::float8))
        ELSE ${webhookEndpoints.circuitOpenUntil} END`,
    })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning({ circuitOpenUntil: webhookEndpoints.circuitOpenUntil });
  return row?.circuitOpenUntil && row.circuitOpenUntil > new Date() ? row.circuitOpenUntil : null;
}

/** The endpoint answered (whatever the status): its circuit closes, its count of timeouts starts again. */
export async function clearEndpointTimeouts(tx: DbOrTx, endpointId: string) {
  await tx
    .update(webhookEndpoints)
    .set({ timeoutsInARow: 0, circuitOpenUntil: null })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        sql`(${webhookEndpoints.timeoutsInARow} > 0 OR ${webhookEndpoints.circuitOpenUntil} IS NOT NULL)`,
      ),
    );
}

/**
 * A delivery failed: the endpoint is failing since now unless it already was; once it has failed
 * for `disableAfterMs` it is disabled, with the reason. Returns whether it is disabled now, and
 * whether this call disabled it (its notice goes out once).
 */
export async function markEndpointFailing(
  tx: DbOrTx,
  { endpointId, reason, disableAfterMs }: { endpointId: string; reason: string; disableAfterMs: number },
) {
  // Disabling is its own conditional statement: of two failures at once, the row lock lets one
  // match `disabled_at IS NULL`. (Telling "set by this statement" by `disabled_at = now()` was
  // wrong when two statements got the same now(): PGlite's clock, one test run in several.)
  const disabled = await tx
    .update(webhookEndpoints)
    .set({ disabledAt: sql`now()`, disabledReason: reason })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        isNull(webhookEndpoints.disabledAt),
        sql`${webhookEndpoints.failingSince} < now() - make_interval(secs => ${disableAfterMs / 1000})`,
      ),
    )
    .returning({ id: webhookEndpoints.id });
  if (disabled.length) return { disabled: true, justDisabled: true };
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, now())` })
    .where(eq(webhookEndpoints.id, endpointId))
    .returning({ disabledAt: webhookEndpoints.disabledAt });
  return { disabled: !!row?.disabledAt, justDisabled: false };
}

/** The org's deliveries, newest first (an endpoint's, when given). */
export async function listWebhookDeliveries(
  tx: DbOrTx,
  { orgId, endpointId, limit = 50 }: { orgId: string; endpointId?: string; limit?: number },
) {
  return tx
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.orgId, orgId), endpointId ? eq(webhookDeliveries.endpointId, endpointId) : undefined))
    .orderBy(desc(webhookDeliveries.createdAt))
    .limit(limit);
}

/**
 * A delivery sent again (the redeliver button): pending, from its next attempt on. Only a delivery
 * that is not pending already (delivered or failed) is reset: one that is queued, in flight or
 * waiting for its retry keeps its one job, and this statement decides — of concurrent redelivers
 * the first resets it, the others wait for its row lock, find it pending and change nothing.
 * Undefined when it is not the org's, or was pending.
 */
export async function resetDelivery(tx: DbOrTx, { orgId, deliveryId }: { orgId: string; deliveryId: string }) {
  const [row] = await tx
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: sql`now()` })
    .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.id, deliveryId), ne(webhookDeliveries.status, "pending")))
    .returning({ id: webhookDeliveries.id, endpointId: webhookDeliveries.endpointId });
  return row;
}

/** The org's delivery's status (undefined: not the org's). */
export async function getDeliveryStatus(tx: DbOrTx, { orgId, deliveryId }: { orgId: string; deliveryId: string }) {
  const [row] = await tx
    .select({ status: webhookDeliveries.status })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.id, deliveryId)));
  return row?.status;
}

/** Re-enables an endpoint (an admin fixed the receiver). */
export async function enableWebhookEndpoint(tx: DbOrTx, { orgId, endpointId }: { orgId: string; endpointId: string }) {
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ disabledAt: null, disabledReason: null, failingSince: null })
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, endpointId)))
    .returning({ id: webhookEndpoints.id });
  return row;
}
