// The offline model answers a structured-output call with a value built from the schema it was
// given: the model call needs nothing of the workflow that declared it.

type Schema = Record<string, unknown>;

/**
 * A value that matches the schema, built from it (the offline model's structured answer): consts
 * and first enum values, minimums, one item per array (or its minimum), every declared property.
 * Patterns and formats other than date-time are not honoured. The example is built within a
 * budget of values and characters: an author's `minItems` / `minLength` (nested, they multiply)
 * must not make an offline run allocate gigabytes; past the budget the example simply stops
 * matching the schema and the run fails `output_invalid`.
 */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0, budget = { values: 10_000, chars: 1_000_000 }): unknown {
  if (!schema || typeof schema !== "object" || depth > 16 || --budget.values < 0) return null;
  const s = schema as Schema;
  const sub = (x: unknown) => exampleOf(x, root, depth + 1, budget);
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
    return sub(
      s.$ref
        .slice(2)
        .split("/")
        .reduce<unknown>((o, k) => (o as Schema | undefined)?.[k], root),
    );
  }
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const k of ["anyOf", "oneOf", "allOf"]) if (Array.isArray(s[k])) return sub((s[k] as unknown[])[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const num = (n: unknown) => (typeof n === "number" ? n : undefined);
  switch (type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(props).map(([k, p]) => [k, sub(p)]));
    }
    case "array": {
      const n = Math.min(Math.max(num(s.minItems) ?? 1, 0), num(s.maxItems) ?? Infinity, Math.max(budget.values, 0));
      return Array.from({ length: n }, () => sub(s.items));
    }
    case "string": {
      if (s.format === "date-time") return "2026-01-01T00:00:00Z";
      const min = Math.min(num(s.minLength) ?? 0, Math.max(budget.chars, 0));
      budget.chars -= Math.max(min, 7);
      return "example".padEnd(min, "e").slice(0, num(s.maxLength) ?? Infinity);
    }
    case "integer":
    case "number": {
      const low = num(s.minimum) ?? (num(s.exclusiveMinimum) !== undefined ? num(s.exclusiveMinimum)! + 1 : undefined);
      return Math.min(low ?? 0, num(s.maximum) ?? Infinity);
    }
    case "boolean":
      return true;
    default:
      return null;
  }
}
