import type { JsonSchema } from "./json-schema";

/**
 * A JSON Schema as a short TypeScript-like type for people reading the API reference:
 * `{ run_id: string, status: "completed", usage: { … }, [variable]?: string | number | boolean }`.
 * `#/components/schemas/…` refs are inlined (the page has no separate schema section).
 */
export function compactSchema(schema: JsonSchema, components: Record<string, JsonSchema>, indent = ""): string {
  if (typeof schema.$ref === "string") {
    const target = components[schema.$ref.replace("#/components/schemas/", "")];
    return target ? compactSchema(target, components, indent) : schema.$ref;
  }
  if (Array.isArray(schema.allOf)) {
    // allOf [base, {code: enum}] (the error bodies): the base with the narrowed properties.
    const [base, ...rest] = schema.allOf as JsonSchema[];
    const merged = resolve(base!, components);
    const props = { ...(merged.properties as object) };
    for (const r of rest) Object.assign(props, r.properties);
    return compactSchema({ ...merged, properties: props }, components, indent);
  }
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return union.map((s) => compactSchema(s, components, indent)).join(" | ");
  if ("const" in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = schema.type;
  if (Array.isArray(type)) return type.map((t) => compactSchema({ ...schema, type: t }, components, indent)).join(" | ");
  if (type === "array") return `Array<${compactSchema((schema.items as JsonSchema) ?? {}, components, indent)}>`;
  if (type === "object" || schema.properties) {
    const inner = indent + "  ";
    const required = new Set((schema.required as string[]) ?? []);
    const lines = Object.entries((schema.properties as Record<string, JsonSchema>) ?? {}).map(
      ([k, v]) => `${inner}${k}${required.has(k) ? "" : "?"}: ${compactSchema(v, components, inner)}`,
    );
    const extra = schema.additionalProperties;
    if (extra && typeof extra === "object" && Object.keys(extra).length) {
      lines.push(`${inner}[${schema.properties ? "variable" : "key"}: string]: ${compactSchema(extra as JsonSchema, components, inner)}`);
    } else if (extra === undefined || (typeof extra === "object" && extra !== null && !Object.keys(extra).length)) {
      if (!schema.properties) lines.push(`${inner}[key: string]: unknown`);
    }
    return lines.length ? `{\n${lines.join(",\n")}\n${indent}}` : "{}";
  }
  if (type === "string" && schema.format) return `string (${String(schema.format)})`;
  return typeof type === "string" ? type : "unknown";
}

function resolve(s: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  return typeof s.$ref === "string" ? (components[s.$ref.replace("#/components/schemas/", "")] ?? s) : s;
}
