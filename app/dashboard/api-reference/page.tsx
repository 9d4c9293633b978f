import { headers } from "next/headers";
import { apiDocument } from "@/lib/api/openapi/document";
import { requireOrgPage } from "@/lib/auth/current-user";
import { publicBaseUrl } from "@/lib/public-base-url";
import { ApiReference } from "./api-reference";

export const dynamic = "force-dynamic";

/** The API reference, rendered from the same document GET /api/v1/openapi.json serves. */
export default async function ApiReferencePage() {
  await requireOrgPage();
  return <ApiReference doc={apiDocument()} base={publicBaseUrl(await headers())} />;
}
