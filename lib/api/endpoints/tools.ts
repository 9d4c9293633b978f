import { z } from "zod";
import { visibleWorkflows } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { rotateToolSigningSecret, toolSigningSecret } from "@/lib/tools/signing-secret";
import { apiRoute } from "../route";
import { AUTHED } from "../route-doc";

const signingSecretResponse = z.object({
  success: z.literal(true),
  secret: z.string().meta({
    description:
      "The org's `whsec_…` secret: every HTTP tool call is signed with it the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature headers). Verify with any Standard Webhooks library.",
  }),
});

const rotatedSecretResponse = z.object({
  success: z.literal(true),
  secret: z.string().meta({
    description: "The org's new `whsec_…` secret, shown this once (GET /api/v1/tools/signing-secret reads it again).",
  }),
  previous_valid_until: z.iso.datetime().nullable().meta({
    description:
      "Until when HTTP tool calls also carry a signature by the secret just replaced (24 hours): a receiver verifying with either accepts. Null when the org had none.",
  }),
});

/** Org-wide: a key restricted to some workflows could forge calls to other workflows' tools with it. */
function orgWideKeyOnly(principal: Parameters<typeof visibleWorkflows>[0], what: string) {
  if (visibleWorkflows(principal) !== null) throw new AppError("forbidden", `A key restricted to some workflows cannot ${what}`);
}

// GET /api/v1/tools/signing-secret – the secret the org's HTTP tool calls are signed with (admin keys)
export const toolSigningSecretRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/tools/signing-secret",
    auth: "apiKey",
    needs: "admin",
    response: signingSecretResponse,
    doc: {
      operationId: "getToolSigningSecret",
      tag: "Management",
      summary: "The secret HTTP tool calls are signed with, for their receivers to verify (admin keys, not restricted to workflows)",
      ok: { description: "The org's tool signing secret (made on first use)." },
      errors: [...AUTHED],
    },
  },
  async ({ ctx }) => {
    orgWideKeyOnly(ctx.principal, "read the org's tool signing secret");
    return { success: true as const, secret: await toolSigningSecret(ctx.principal.orgId) };
  },
);

// POST /api/v1/tools/signing-secret/rotate – a new secret; the previous one still signs for 24 h (admin keys)
export const rotateToolSigningSecretRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/tools/signing-secret/rotate",
    auth: "apiKey",
    needs: "admin",
    response: rotatedSecretResponse,
    doc: {
      operationId: "rotateToolSigningSecret",
      tag: "Management",
      summary: "Replace the secret HTTP tool calls are signed with (admin keys, not restricted to workflows)",
      description:
        "Makes a new secret and returns it. For 24 hours every HTTP tool call carries two signatures in `webhook-signature` " +
        "(space-separated `v1,…` entries: the new secret's and the previous one's), so a receiver verifying with either accepts; " +
        "then the new one alone. Rotating again within those 24 hours drops the oldest at once. Not idempotent: each call rotates.",
      ok: { description: "The new secret, shown once, and until when the previous one still signs." },
      errors: [...AUTHED],
    },
  },
  async ({ ctx }) => {
    orgWideKeyOnly(ctx.principal, "rotate the org's tool signing secret");
    return { success: true as const, ...(await rotateToolSigningSecret({ orgId: ctx.principal.orgId, actorId: ctx.principal.keyId })) };
  },
);
