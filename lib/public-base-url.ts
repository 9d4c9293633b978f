import "server-only";
import { getEnv } from "@/lib/env";

/**
 * This instance's origin as the browser sees it, for links and snippets the dashboard shows and
 * for the playground's same-origin check. Behind a proxy, the forwarded host and scheme (the
 * first entry when proxies are chained); otherwise the Host header over plain http, because
 * `next start` speaks nothing else: TLS ends at a proxy, and a proxy says so in x-forwarded-proto.
 * (Guessing https for any non-loopback host made the snippets wrong on a LAN address.)
 */
export function publicBaseUrl(headers: Headers): string {
  const first = (name: string) => headers.get(name)?.split(",")[0]?.trim() || null;
  const host = first("x-forwarded-host") ?? first("host") ?? `localhost:${getEnv().PORT}`;
  const proto = first("x-forwarded-proto") ?? "http";
  return `${proto}://${host}`;
}

/**
 * The instance's public URL when no request is at hand (mail sent from the job queue): the
 * configured BETTER_AUTH_URL, else the loopback address `npm start` serves. No trailing slash.
 */
export function instanceBaseUrl(): string {
  const env = getEnv();
  return (env.BETTER_AUTH_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
}

/** The configured public URL (BETTER_AUTH_URL), without a trailing slash; null when the server does not know it. */
export function configuredBaseUrl(): string | null {
  return getEnv().BETTER_AUTH_URL?.replace(/\/+$/, "") ?? null;
}

/** An absolute link into this instance: `path` starts with "/". */
export function instanceUrl(path: string): string {
  return `${instanceBaseUrl()}${path}`;
}
