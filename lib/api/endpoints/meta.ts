import { checkHealth, healthResponse } from "@/lib/health";
import { buildOpenApiDocument } from "../openapi/build-document";
import { apiRoute, type ApiRoute } from "../route";

// GET /api/v1/openapi.json – the OpenAPI 3.1 document of this API (public: it describes, it grants nothing).
// Made by the route list (./index.ts) with itself in it: the document is a function of that list.
export const openApiDocumentRoute = (routes: () => readonly ApiRoute[]) =>
  apiRoute(
    {
      method: "GET",
      path: "/api/v1/openapi.json",
      auth: "none",
      cors: true,
      doc: {
        operationId: "getOpenApiDocument",
        tag: "Meta",
        summary: "This document (OpenAPI 3.1)",
        ok: { description: "The OpenAPI 3.1 document. Public, CORS-open, cacheable.", cache: "public, max-age=300" },
        errors: [],
      },
    },
    async () => Response.json(buildOpenApiDocument(routes()), { headers: { "cache-control": "public, max-age=300" } }),
  );

// GET /api/health – 200 when the database (and the rate-limit store, when remote) answers, else 503
export const health = apiRoute(
  {
    method: "GET",
    path: "/api/health",
    auth: "none",
    response: healthResponse,
    doc: {
      operationId: "getHealth",
      tag: "Meta",
      summary: "Liveness: the database (and the rate-limit store, when remote) answer",
      ok: { description: "Everything answers." },
      otherResponses: { 503: "Something is down (same body, `ok: false`)." },
      errors: [],
    },
  },
  () => checkHealth(),
);
