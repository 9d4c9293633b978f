import { getDb } from "@/db";
import { findActiveApiKeyByHash, insertApiKey, revokeApiKey as revokeApiKeyRow, touchApiKey } from "@/db/queries/api-keys";
import { recordAudit } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { newId, newSecret, sha256Hex } from "@/lib/ids";
import { logger } from "@/lib/logger";

export type ApiKeyPrincipal = {
  keyId: string; orgId: string; rateLimitPerMinute: number | null;
  /** From a stream token minted with ?user=: the end user its runs are attributed to. */
  endUser?: string | null;
};

/** Creates a key; the returned secret exists only in this return value (the audit entry has its display prefix only). */
export async function createApiKey({ orgId, name, rateLimitPerMinute, actorId = null }: { orgId: string; name?: string; rateLimitPerMinute?: number | null; actorId?: string | null }) {
  const secret = newSecret.apiKey();
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    const key = await insertApiKey(tx, {
      id: newId.apiKey(), orgId, name: name ?? "Default key", keyHash: sha256Hex(secret),
      prefix: `${secret.slice(0, 7)}…${secret.slice(-4)}`, rateLimitPerMinute: rateLimitPerMinute ?? null,
    });
    await recordAudit(tx, { orgId, actorId, action: "key.create", targetId: key.id, details: { name: key.name, prefix: key.prefix } });
    return key;
  });
  return { key: secret, id: row.id, prefix: row.prefix, name: row.name, created_at: row.createdAt.toISOString() };
}

const TOUCH_EVERY_MS = 60_000;

/**
 * The hot path: one indexed lookup by SHA-256 (no key cache, so a revoke takes effect at once).
 * last_used_at is written at most once a minute per key, off the request's critical path.
 */
export async function verifyApiKey(secret: string): Promise<ApiKeyPrincipal | null> {
  if (!/^sk_[a-z0-9]{32}$/.test(secret)) return null;
  const db = await getDb();
  const row = await findActiveApiKeyByHash(db, sha256Hex(secret));
  if (!row) return null;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    touchApiKey(db, row.id, new Date(now), new Date(now - TOUCH_EVERY_MS)).catch((err) =>
      logger.warn("could not record key use", { keyId: row.id, err }),
    );
  }
  return { keyId: row.id, orgId: row.orgId, rateLimitPerMinute: row.rateLimitPerMinute };
}

export async function revokeApiKey({ orgId, keyId, actorId = null }: { orgId: string; keyId: string; actorId?: string | null }) {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const row = await revokeApiKeyRow(tx, { orgId, keyId });
    if (!row) throw new AppError("not_found", "API key not found");
    await recordAudit(tx, { orgId, actorId, action: "key.revoke", targetId: row.id, details: { name: row.name, prefix: row.prefix } });
    return { id: row.id, revoked: true };
  });
}
