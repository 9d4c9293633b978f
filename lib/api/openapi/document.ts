import { API_ROUTES } from "../endpoints";
import { buildOpenApiDocument, type OpenApiDocument } from "./build-document";

/** This API's document: the one /api/v1/openapi.json serves and the dashboard's API reference renders. */
export function apiDocument(): OpenApiDocument {
  return buildOpenApiDocument(API_ROUTES);
}
