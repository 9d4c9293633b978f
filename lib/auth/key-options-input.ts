import { z } from "zod";
import { CAP_PERIODS } from "@/lib/credits/key-cap";
import { API_SCOPES } from "@/db/schema/api-keys";
import type { KeyOptions } from "./api-keys";

// The dashboard's "create key" form: what the key may do (scopes) and its restrictions. An empty
// restriction means unrestricted.

const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;

export const keyOptionsInput = z.object({
  /** run: call workflows; admin: the management API (CI). */
  scopes: z.array(z.enum(API_SCOPES)).min(1, "give the key at least one scope").max(API_SCOPES.length).default(["run"]),
  workflowIds: z
    .array(z.string().regex(/^wf_[a-z0-9]{24}$/, "is not a workflow id"))
    .max(100)
    .default([]),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).nullable().default(null),
  /** Per end user of its token traffic (a stream token's user, a run body's `user`). */
  endUserRateLimitPerMinute: z.number().int().min(1).max(100_000).nullable().default(null),
  creditCap: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
  creditCapPeriod: z.enum(CAP_PERIODS).default("month"),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
  // Normalized as browsers send it (lowercase, no default port): https://App.example.com:443 → https://app.example.com
  allowedOrigins: z
    .array(
      z
        .string()
        .trim()
        .regex(ORIGIN, "must be an origin like https://app.example.com (no path)")
        .transform((o) => new URL(o).origin),
    )
    .max(50)
    .default([]),
});

export function keyOptionsOf(input: z.output<typeof keyOptionsInput> | undefined): KeyOptions {
  if (!input) return {};
  return {
    workflowIds: input.workflowIds,
    rateLimitPerMinute: input.rateLimitPerMinute,
    endUserRateLimitPerMinute: input.endUserRateLimitPerMinute,
    creditCap: input.creditCap,
    creditCapPeriod: input.creditCap === null ? null : input.creditCapPeriod,
    expiresAt: input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000),
    allowedOrigins: input.allowedOrigins,
    scopes: input.scopes,
  };
}
