import { z } from "zod";
import { documentedAs } from "@/lib/validation/documented-as";

export type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as a JSON Schema 2020-12 object, the dialect of OpenAPI 3.1 (no `$schema`: the
 * document's jsonSchemaDialect says it). Requests are described as they are sent (`io: "input"`:
 * defaults make a field optional), responses as they are produced (`io: "output"`). A schema
 * registered with documentAs() is shown as its documented form (lib/validation/documented-as.ts).
 */
export function toJsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "throw",
    override: ({ zodSchema, jsonSchema }) => {
      tidy(jsonSchema as JsonSchema);
      const doc = documentedAs.get(zodSchema as unknown as z.ZodType);
      if (!doc) return;
      const { description } = jsonSchema as { description?: string };
      for (const k of Object.keys(jsonSchema)) delete (jsonSchema as JsonSchema)[k];
      Object.assign(jsonSchema, toJsonSchema(doc, "input"), description ? { description } : {});
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** Drops what zod adds that says nothing to a reader: z.int()'s safe-integer bounds, and the
 * regular expression behind a date/date-time format (the format already says it). */
function tidy(s: JsonSchema) {
  if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
  if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  if ((s.format === "date-time" || s.format === "date") && typeof s.pattern === "string") delete s.pattern;
}
