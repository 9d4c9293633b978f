// How deep a client's JSON may nest. JSON.parse copes with any depth, but every recursive walk
// after it does not (V8's own JSON.stringify overflows the stack near 4,500 levels, less inside a
// deep call stack): hashing a body for Idempotency-Key, zod's z.json(), rendering a json
// variable, storing jsonb, converting an output schema. Refusing the depth once, where the JSON
// enters, keeps every later walk safe. A leaf, client-safe (the editor checks schemas with it).

/** The deepest nesting of arrays and objects a client's JSON may have (a flat object is 1). */
export const MAX_JSON_DEPTH = 64;

/** Whether a parsed JSON value nests arrays and objects deeper than `max`. Iterative, so the check cannot overflow itself. */
export function jsonTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}
