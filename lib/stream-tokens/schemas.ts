import { z } from "zod";
import { queryInteger } from "@/lib/validation/documented-as";

export const TOKEN_TTL = { default: 60, min: 1, max: 3600 } as const;

/** GET /api/v1/token?ttl=&user= */
export const mintTokenQuery = z.object({
  ttl: queryInteger({
    min: TOKEN_TTL.min, max: TOKEN_TTL.max, fallback: TOKEN_TTL.default,
    message: `must be an integer number of seconds from ${TOKEN_TTL.min} to ${TOKEN_TTL.max}`,
    description: "How many seconds the token lives.",
  }),
  user: z.string().optional().meta({ description: "End user the token's runs are attributed to (first 200 characters kept)." }),
});

export const mintTokenResponse = z.object({
  success: z.literal(true),
  token: z.string().regex(/^pub_tok_[a-z0-9]{32}$/).meta({ description: "Single-use: consumed by the first request that presents it." }),
  ttl: z.int(),
});
export type MintTokenResponse = z.output<typeof mintTokenResponse>;
