import { AppError } from "@/lib/errors";
import { TOKEN_TTL } from "./stream-tokens";

export function parseTtl(raw: string | null): number {
  if (raw === null || raw === "") return TOKEN_TTL.default;
  const ttl = Number(raw);
  if (!/^\d+$/.test(raw) || ttl < TOKEN_TTL.min || ttl > TOKEN_TTL.max) {
    throw new AppError("invalid_request", `ttl must be an integer number of seconds from ${TOKEN_TTL.min} to ${TOKEN_TTL.max}`);
  }
  return ttl;
}

/** `?max_credits=` on GET /token: the most the token's one run may reserve (and so spend). */
export function parseMaxCredits(raw: string | null): number | null {
  if (raw === null || raw === "") return null;
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 1_000_000_000) {
    throw new AppError("invalid_request", "max_credits must be a positive integer (at most 1000000000)");
  }
  return Number(raw);
}
