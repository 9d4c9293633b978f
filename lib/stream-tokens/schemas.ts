import { z } from "zod";
import { queryInteger } from "@/lib/validation/documented-as";

export const TOKEN_TTL = { default: 60, min: 1, max: 3600 } as const;

/** GET /api/v1/token?ttl=&user=&workflow_id=&max_credits= */
export const mintTokenQuery = z.object({
  ttl: queryInteger({
    min: TOKEN_TTL.min,
    max: TOKEN_TTL.max,
    fallback: TOKEN_TTL.default,
    message: `must be an integer number of seconds from ${TOKEN_TTL.min} to ${TOKEN_TTL.max}`,
    description: "How many seconds the token lives.",
  }),
  user: z.string().optional().meta({ description: "End user the token's runs are attributed to (first 200 characters kept)." }),
  workflow_id: z
    .string()
    .optional()
    .meta({ description: "Narrows the token to this one workflow (which must be one the key may run, else 404)." }),
  max_credits: queryInteger({
    min: 1,
    max: 1_000_000_000,
    pattern: /^[1-9]\d{0,9}$/,
    message: "must be a positive integer (at most 1000000000)",
    description: "The most credits the token's run may reserve (and so spend); the output is cut to fit.",
  }),
  version: queryInteger({
    min: 1,
    max: 999_999_999,
    pattern: /^[1-9]\d{0,8}$/,
    message: "must be a positive integer (a published version number)",
    description:
      "Fixes the version the token runs (needs workflow_id). Without version or label the token runs what unpinned calls run; either way a request with the token cannot name another.",
  }),
  label: z.string().optional().meta({
    description: "Fixes the label the token runs (where it points when the request arrives; a split assigns by the token's user).",
  }),
});

export const mintTokenResponse = z.object({
  success: z.literal(true),
  token: z
    .string()
    .regex(/^pub_tok_[a-z0-9]{32}$/)
    .meta({ description: "Single-use: consumed by the first request that presents it." }),
  ttl: z.int(),
  workflow_id: z.string().optional().meta({ description: "Present when the token was narrowed to one workflow." }),
  max_credits: z.int().optional().meta({ description: "Present when the token was minted with max_credits." }),
  version: z.int().optional().meta({ description: "Present when the token was minted pinned to a version." }),
  label: z.string().optional().meta({ description: "Present when the token was minted pinned to a label." }),
});
export type MintTokenResponse = z.output<typeof mintTokenResponse>;
