import { apiRoute } from "@/lib/api/route";
import { buildOpenApiDocument } from "@/lib/openapi/build-document";

export const dynamic = "force-dynamic";

// GET /api/v1/openapi.json – the OpenAPI 3.1 document of this API (public: it describes, it grants nothing)
export const GET = apiRoute({ auth: "none", cors: true }, async () =>
  Response.json(buildOpenApiDocument(), { headers: { "cache-control": "public, max-age=300" } }),
);
