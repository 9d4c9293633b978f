import { getDb } from "@/db";
import { findActiveApiKeyById } from "@/db/queries/api-keys";
import { insertStreamToken, redeemStreamToken } from "@/db/queries/stream-tokens";
import { AppError } from "@/lib/errors";
import { newSecret, sha256Hex } from "@/lib/ids";
import type { ApiKeyPrincipal } from "@/lib/auth/api-keys";
import type { MintTokenResponse } from "./schemas";

/** GET /api/v1/token — a single-use pub_tok_… bound to the key's org; only its hash is stored. */
export async function mintStreamToken(principal: ApiKeyPrincipal, ttl: number, endUser: string | null = null): Promise<MintTokenResponse> {
  const token = newSecret.streamToken();
  const db = await getDb();
  await insertStreamToken(db, {
    tokenHash: sha256Hex(token), orgId: principal.orgId, apiKeyId: principal.keyId,
    expiresAt: new Date(Date.now() + ttl * 1000), endUser: endUser?.slice(0, 200) ?? null,
  });
  return { success: true as const, token, ttl };
}

/**
 * Consumes a token: the first presenter wins, whatever happens next. Expired, used or unknown
 * tokens — and tokens whose key was revoked since — are all the seed's 401.
 */
export async function redeemToken(token: string): Promise<ApiKeyPrincipal> {
  if (!/^pub_tok_[a-z0-9]{32}$/.test(token)) throw new AppError("unauthorized");
  const db = await getDb();
  const row = await redeemStreamToken(db, sha256Hex(token));
  if (!row) throw new AppError("unauthorized");
  const key = await findActiveApiKeyById(db, row.apiKeyId);
  if (!key) throw new AppError("unauthorized");
  return { keyId: key.id, orgId: key.orgId, rateLimitPerMinute: key.rateLimitPerMinute, endUser: row.endUser };
}
