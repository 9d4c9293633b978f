import { z } from "zod";

/**
 * Where what a field accepts on the wire is wider than what it means, the parser is lenient and the
 * API document shows the meaning: e.g. a template variable is "string | number | boolean", but a
 * body key that is no variable is ignored whatever its value (so the body's catch-all cannot
 * reject it), and a query integer arrives as a string. The OpenAPI generator (lib/api/openapi)
 * renders a schema registered here as the JSON Schema of its `doc` schema instead.
 */
export const documentedAs = new WeakMap<z.ZodType, z.ZodType>();

export function documentAs<S extends z.ZodType>(schema: S, doc: z.ZodType): S {
  documentedAs.set(schema, doc);
  return schema;
}

/**
 * An integer query parameter: digits only (no sign, exponent or spaces, which Number() would take),
 * within [min, max]; absent or empty is `fallback`. Any failure is the one `message`.
 */
export function queryInteger<F extends number | undefined = undefined>({
  min,
  max,
  message,
  description,
  pattern = /^\d+$/,
  fallback,
}: {
  min: number;
  max: number;
  message: string;
  description: string;
  pattern?: RegExp;
  fallback?: F;
}) {
  const parse = z
    .string()
    .optional()
    .transform((raw, ctx): number | F => {
      if (raw === undefined || (raw === "" && fallback !== undefined)) return fallback as F;
      if (!pattern.test(raw) || Number(raw) < min || Number(raw) > max) {
        ctx.addIssue({ code: "custom", message });
        return z.NEVER;
      }
      return Number(raw);
    })
    .meta({ description });
  // (registered after .meta(), which returns a new schema)
  const doc = z.int().min(min).max(max);
  return documentAs(parse, fallback === undefined ? doc.optional() : doc.default(fallback));
}
