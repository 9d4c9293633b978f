import { CORS_HEADERS } from "./authenticate";

/**
 * OPTIONS for the OpenAI-compatible routes a browser may call with a stream token: the SDKs send
 * their own headers (x-stainless-*, openai-*), which the preflight grants by echoing the ones asked
 * for (the token, not the origin, is the credential).
 */
export function openaiPreflight(req: Request) {
  const asked = req.headers.get("access-control-request-headers");
  const headers = new Headers(CORS_HEADERS);
  if (asked && /^[a-z0-9\-_, ]{1,2000}$/i.test(asked)) headers.set("access-control-allow-headers", asked);
  return new Response(null, { status: 204, headers });
}
