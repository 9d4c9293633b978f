import "server-only";
import { getDb } from "@/db";
import { lookupCache } from "@/lib/cache/lookup-cache";
import { findActiveApiKeyByHash, insertApiKey, revokeApiKey as revokeApiKeyRow, touchApiKey } from "@/db/queries/api-keys";
import { recordAudit } from "@/lib/audit/record-audit";
import { lockOrgBalance } from "@/db/queries/orgs";
import { listWorkflowIdsIn } from "@/db/queries/workflows";
import { AppError, orgSuspendedError } from "@/lib/errors";
import { newId, newSecret, sha256Hex } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { assertOrgActive } from "./org-suspension";
import type { CapPeriod } from "@/lib/credits/key-cap";
import type { ApiScope } from "@/db/schema";

export { API_SCOPES, type ApiScope } from "@/db/schema";

export type ApiKeyPrincipal = {
  keyId: string;
  orgId: string;
  rateLimitPerMinute: number | null;
  /** Requests per minute per end user of its token traffic (lib/api/end-user-rate-limit.ts); absent → none. */
  endUserRateLimitPerMinute?: number | null;
  /** From a stream token minted with ?user=: the end user its runs are attributed to. */
  endUser?: string | null;
  /** A stream token (a browser's credential), not the key itself: it sees only its own end user's runs. */
  viaToken?: boolean;
  /**
   * A stream token's version, fixed when it was minted (`?version=` or `?label=`; {} → what an
   * unpinned call runs). The request cannot name another (lib/runs/prepare-run.ts publishedVersionOf).
   */
  pin?: VersionPin;
  /** The key's restrictions (the stream token's, narrowed at mint); absent → unrestricted. */
  restrictions?: KeyRestrictions;
  /** What the key may do (run, admin); absent → run only (a stream token, the playground's user). */
  scopes?: ApiScope[];
};

/** Whether a caller may do this: run workflows, or manage them. Only keys can hold `admin`. */
export function hasApiScope(principal: Pick<ApiKeyPrincipal, "scopes">, scope: ApiScope): boolean {
  return (principal.scopes ?? ["run"]).includes(scope);
}

/** How a call names the version it runs: a version number, a label, or neither (production). */
export type VersionPin = { version?: number; label?: string };

export type KeyRestrictions = {
  /** The only workflows it may run or describe; null → all of the org's. */
  workflowIds: string[] | null;
  /** Browser origins it may be used from; null → any. */
  allowedOrigins: string[] | null;
  /** The key's credit cap period, when it has a cap. */
  capPeriod: CapPeriod | null;
  /** A stream token's max_credits: the most one run may reserve. */
  maxCredits: number | null;
};

/** The restrictions of a key row; undefined when it has none (the common, fast case). */
export function restrictionsOf(row: {
  workflowIds: string[] | null;
  allowedOrigins: string[] | null;
  creditCap: number | null;
  creditCapPeriod: CapPeriod | null;
}): KeyRestrictions | undefined {
  if (!row.workflowIds && !row.allowedOrigins && row.creditCap === null) return undefined;
  return {
    workflowIds: row.workflowIds,
    allowedOrigins: row.allowedOrigins,
    capPeriod: row.creditCap === null ? null : (row.creditCapPeriod ?? "total"),
    maxCredits: null,
  };
}

export type KeyOptions = {
  name?: string;
  rateLimitPerMinute?: number | null;
  endUserRateLimitPerMinute?: number | null;
  workflowIds?: string[] | null;
  allowedOrigins?: string[] | null;
  creditCap?: number | null;
  creditCapPeriod?: CapPeriod | null;
  expiresAt?: Date | null;
  /** Default: ["run"]. */
  scopes?: ApiScope[];
};

/**
 * Creates a key; the returned secret exists only in this return value (the audit entry has its display prefix only).
 * Refused (403 org_suspended) for a suspended org: the key could authenticate nothing.
 */
export async function createApiKey({
  orgId,
  name,
  rateLimitPerMinute,
  endUserRateLimitPerMinute,
  workflowIds,
  allowedOrigins,
  creditCap,
  creditCapPeriod,
  expiresAt,
  scopes,
  actorId = null,
}: { orgId: string; actorId?: string | null } & KeyOptions) {
  await assertOrgActive(orgId);
  const secret = newSecret.apiKey();
  const db = await getDb();
  if (workflowIds?.length) {
    // A key can only be restricted to this org's workflows (another org's ids do not exist here).
    const known = new Set((await listWorkflowIdsIn(db, { orgId, ids: workflowIds })).map((w) => w.id));
    const unknown = workflowIds.filter((id) => !known.has(id));
    if (unknown.length) throw new AppError("invalid_request", `Unknown workflow: ${unknown[0]}`);
  }
  const row = await db.transaction(async (tx) => {
    const key = await insertApiKey(tx, {
      id: newId.apiKey(),
      orgId,
      name: name ?? "Default key",
      keyHash: sha256Hex(secret),
      prefix: `${secret.slice(0, 7)}…${secret.slice(-4)}`,
      rateLimitPerMinute: rateLimitPerMinute ?? null,
      endUserRateLimitPerMinute: endUserRateLimitPerMinute ?? null,
      workflowIds: workflowIds?.length ? workflowIds : null,
      allowedOrigins: allowedOrigins?.length ? allowedOrigins : null,
      creditCap: creditCap ?? null,
      creditCapPeriod: creditCap == null ? null : (creditCapPeriod ?? "total"),
      expiresAt: expiresAt ?? null,
      scopes: scopes?.length ? [...new Set(scopes)] : ["run"],
    });
    const settings = {
      scopes: key.scopes,
      workflowIds: key.workflowIds,
      allowedOrigins: key.allowedOrigins,
      creditCap: key.creditCap,
      creditCapPeriod: key.creditCapPeriod,
      rateLimitPerMinute: key.rateLimitPerMinute,
      endUserRateLimitPerMinute: key.endUserRateLimitPerMinute,
      expiresAt: key.expiresAt,
    };
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "key.create",
      targetId: key.id,
      details: { name: key.name, prefix: key.prefix, ...settings },
    });
    return key;
  });
  return { key: secret, id: row.id, prefix: row.prefix, name: row.name, scopes: row.scopes, created_at: row.createdAt.toISOString() };
}

const TOUCH_EVERY_MS = 60_000;
type KeyRow = NonNullable<Awaited<ReturnType<typeof findActiveApiKeyByHash>>>;
const keyCache = lookupCache<KeyRow>("api-keys");

/**
 * The hot path: one indexed lookup by SHA-256, reused for at most LOOKUP_CACHE_TTL_MS (1 s) by
 * this process (lib/cache/lookup-cache.ts). So a key revoked elsewhere stops authenticating
 * within that bound — at once when revoked through this process — and an expiry is exact (checked
 * on every use). Starting a run re-checks the key in the database anyway (the reservation
 * statement), so a revoked or expired key never starts a run, cached or not.
 * A key of a suspended org (lib/operator) throws 403 org_suspended with the operator's reason: the
 * suspension rides on the same cached row, so it has the same bound (and suspending through this
 * process forgets the cache at once).
 * last_used_at is written at most once a minute per key, off the request's critical path.
 */
export async function verifyApiKey(secret: string): Promise<ApiKeyPrincipal | null> {
  if (!/^sk_[a-z0-9]{32}$/.test(secret)) return null;
  const hash = sha256Hex(secret);
  const db = await getDb();
  const row = await keyCache.get(hash, hash, () => findActiveApiKeyByHash(db, hash));
  if (!row) return null;
  const now = Date.now();
  if (row.expiresAt && row.expiresAt.getTime() <= now) return null;
  if (row.orgSuspendedReason !== null) throw orgSuspendedError(row.orgSuspendedReason);
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    // Marked on the (possibly shared, cached) row first, so the requests that reuse it do not write again.
    row.lastUsedAt = new Date(now);
    touchApiKey(db, row.id, new Date(now), new Date(now - TOUCH_EVERY_MS)).catch((err) =>
      logger.warn("could not record key use", { keyId: row.id, err }),
    );
  }
  return {
    keyId: row.id,
    orgId: row.orgId,
    rateLimitPerMinute: row.rateLimitPerMinute,
    endUserRateLimitPerMinute: row.endUserRateLimitPerMinute,
    restrictions: restrictionsOf(row),
    scopes: row.scopes,
  };
}

/** This process forgets its cached verifications (a revoke through it takes effect at once). */
export function forgetCachedKeys() {
  keyCache.clear();
}

export async function revokeApiKey({ orgId, keyId, actorId = null }: { orgId: string; keyId: string; actorId?: string | null }) {
  const db = await getDb();
  const out = await db.transaction(async (tx) => {
    // Org row first, like a run's reservation (org, then key): locking the key first and the org
    // after (for the audit row's foreign key) deadlocked against a capped key's runs.
    await lockOrgBalance(tx, orgId);
    const row = await revokeApiKeyRow(tx, { orgId, keyId });
    if (!row) throw new AppError("not_found", "API key not found");
    await recordAudit(tx, { orgId, actorId, action: "key.revoke", targetId: row.id, details: { name: row.name, prefix: row.prefix } });
    return { id: row.id, revoked: true };
  });
  // After the commit: cleared before it, a concurrent request could cache the key again unrevoked.
  forgetCachedKeys();
  return out;
}
