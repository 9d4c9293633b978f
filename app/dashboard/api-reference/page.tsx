import { headers } from "next/headers";
import { buildOpenApiDocument } from "@/lib/openapi/build-document";
import { requireOrgPage } from "@/lib/auth/session";
import { ApiReference } from "./api-reference";

export const dynamic = "force-dynamic";

/** The API reference, rendered from the same document GET /api/v1/openapi.json serves. */
export default async function ApiReferencePage() {
  await requireOrgPage();
  return <ApiReference doc={buildOpenApiDocument()} base={await baseUrl()} />;
}

/** This instance's origin as the browser sees it (behind a proxy, its forwarded host and scheme). */
async function baseUrl() {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? (/^(localhost|127\.|\[::1\])/.test(host) ? "http" : "https");
  return `${proto}://${host}`;
}
