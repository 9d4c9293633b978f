import { z } from "zod";
import { visibleWorkflows } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { toolSigningSecret } from "@/lib/tools/signing-secret";
import { apiRoute } from "../route";
import { AUTHED } from "../route-doc";

const signingSecretResponse = z.object({
  success: z.literal(true),
  secret: z.string().meta({
    description:
      "The org's `whsec_…` secret: every HTTP tool call is signed with it the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature headers). Verify with any Standard Webhooks library.",
  }),
});

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
    // Org-wide: a key restricted to some workflows could forge calls to other workflows' tools with it.
    if (visibleWorkflows(ctx.principal) !== null)
      throw new AppError("forbidden", "A key restricted to some workflows cannot read the org's tool signing secret");
    return { success: true as const, secret: await toolSigningSecret(ctx.principal.orgId) };
  },
);
