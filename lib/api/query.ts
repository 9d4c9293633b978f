import { AppError } from "@/lib/errors";

/**
 * The query string as an object, the first value of a repeated key winning (as
 * URLSearchParams.get does) — the one way every route reads its query. A NUL cannot be stored or
 * matched by PostgreSQL text: no value may carry one (percent-decoding makes `%00` one).
 */
export function queryOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(req.url).searchParams) {
    if (Object.hasOwn(out, k)) continue;
    if (v.includes("\u0000")) throw new AppError("invalid_request", `${k} must not contain NUL characters`);
    out[k] = v;
  }
  return out;
}
