export const dynamic = "force-dynamic";

// GET /api/v1/openapi.json – the OpenAPI 3.1 document of this API
export { openApiDocument as GET } from "@/lib/api/endpoints";
