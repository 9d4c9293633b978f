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
