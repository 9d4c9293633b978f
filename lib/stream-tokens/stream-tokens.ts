import "server-only";
import { getDb } from "@/db";
import { findActiveApiKeyById } from "@/db/queries/api-keys";
import { insertStreamToken, redeemStreamToken } from "@/db/queries/stream-tokens";
import { AppError, orgSuspendedError } from "@/lib/errors";
import { isId, newSecret, sha256Hex } from "@/lib/ids";
import { restrictionsOf, type ApiKeyPrincipal, type KeyRestrictions, type VersionPin } from "@/lib/auth/api-keys";
import type { Principal } from "@/lib/auth/principal";
import { assertWorkflowVisible } from "@/lib/auth/visibility";
import { LABEL_NAME } from "@/lib/workflows/label-name";
import type { MintTokenResponse } from "./schemas";

/**
 * GET /api/v1/token — a single-use pub_tok_… bound to the key's org; only its hash is stored. It
 * inherits the key's restrictions and may be narrowed further: one workflow, one end user, a credit
 * ceiling for its run. Its version is fixed here too (`?version=` / `?label=`, else what unpinned
 * calls run): the browser holding it runs what the backend chose, never an A/B arm of its own.
 */
export async function mintStreamToken(
  principal: Principal,
  ttl: number,
  endUser: string | null = null,
  narrow: { workflowId?: string | null; maxCredits?: number | null } & VersionPin = {},
): Promise<MintTokenResponse> {
  // A token counts against its key's rate limit and dies with it: only a key can mint one.
  if (!principal.keyId) throw new AppError("unauthorized");
  const workflowId = narrow.workflowId ?? null;
  const { version, label } = narrow;
  if (version !== undefined && label !== undefined) throw new AppError("invalid_request", "Pin with either version or label, not both");
  // A version number belongs to one workflow; a label name may exist on any.
  if (version !== undefined && workflowId === null)
    throw new AppError("invalid_request", "version needs workflow_id: a version number belongs to one workflow");
  if (label !== undefined && !LABEL_NAME.test(label))
    throw new AppError("invalid_request", "label must match ^[a-z][a-z0-9_-]{0,39}$ (e.g. production, staging)");
  if (workflowId !== null) {
    // A token cannot widen its key: a workflow outside the key's list does not exist for it.
    if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
    assertWorkflowVisible(principal, workflowId);
  }
  const token = newSecret.streamToken();
  const db = await getDb();
  await insertStreamToken(db, {
    tokenHash: sha256Hex(token),
    orgId: principal.orgId,
    apiKeyId: principal.keyId,
    expiresAt: new Date(Date.now() + ttl * 1000),
    endUser: endUser?.slice(0, 200) ?? null,
    workflowId,
    maxCredits: narrow.maxCredits ?? null,
    pinVersion: version ?? null,
    pinLabel: label ?? null,
  });
  return {
    success: true as const,
    token,
    ttl,
    ...(workflowId ? { workflow_id: workflowId } : {}),
    ...(narrow.maxCredits ? { max_credits: narrow.maxCredits } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}

/**
 * Consumes a token: the first presenter wins, whatever happens next. Expired, used or unknown
 * tokens — and tokens whose key was revoked since — are all the seed's 401. A token of a suspended
 * org (lib/operator) is used up and answered 403 org_suspended.
 */
export async function redeemToken(token: string): Promise<ApiKeyPrincipal> {
  if (!/^pub_tok_[a-z0-9]{32}$/.test(token)) throw new AppError("unauthorized");
  const db = await getDb();
  const row = await redeemStreamToken(db, sha256Hex(token));
  if (!row) throw new AppError("unauthorized");
  const key = await findActiveApiKeyById(db, row.apiKeyId);
  if (!key) throw new AppError("unauthorized");
  if (key.orgSuspendedReason !== null) throw orgSuspendedError(key.orgSuspendedReason);
  const pin: VersionPin = row.pinVersion !== null ? { version: row.pinVersion } : row.pinLabel !== null ? { label: row.pinLabel } : {};
  return {
    keyId: key.id,
    orgId: key.orgId,
    rateLimitPerMinute: key.rateLimitPerMinute,
    endUserRateLimitPerMinute: key.endUserRateLimitPerMinute,
    endUser: row.endUser,
    viaToken: true,
    pin,
    restrictions: narrowRestrictions(restrictionsOf(key), row),
  };
}

/** The key's restrictions, narrowed by what the token was minted with. */
function narrowRestrictions(
  key: KeyRestrictions | undefined,
  token: { workflowId: string | null; maxCredits: number | null },
): KeyRestrictions | undefined {
  if (token.workflowId === null && token.maxCredits === null) return key;
  const base: KeyRestrictions = key ?? { workflowIds: null, allowedOrigins: null, capPeriod: null, maxCredits: null };
  return {
    ...base,
    workflowIds:
      token.workflowId === null ? base.workflowIds : [token.workflowId].filter((id) => !base.workflowIds || base.workflowIds.includes(id)),
    maxCredits: token.maxCredits ?? base.maxCredits,
  };
}
