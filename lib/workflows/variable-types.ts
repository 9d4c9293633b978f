import { z } from "zod";

// Typed template variables. Client-safe (the editor and the playground import it): no server code.
// A variable's type lives in the workflow's `variables` metadata (jsonb) beside its description and
// example; a variable without one is `text`, which is what every variable was before types.

export const VARIABLE_TYPES = ["text", "number", "boolean", "enum", "json", "image"] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

/** A variable as a run sees it: its name, type, and (enum) its listed values. */
export type TypedVariable = { name: string; type?: VariableType; values?: string[] };

/** The metadata fields a type adds to a variable (the workflow content schemas spread these in). */
export const variableTypeFields = {
  type: z.enum(VARIABLE_TYPES, { error: `must be one of ${VARIABLE_TYPES.join(", ")}` }).optional(),
  values: z
    .array(z.string().min(1).max(200), { error: "must be a list of strings" })
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "An enum variable's allowed values." }),
};

/** An enum with nothing listed could take no value: refused where the metadata is saved. */
export const enumHasValues = (v: { type?: VariableType; values?: string[] }) => v.type !== "enum" || (v.values?.length ?? 0) > 0;
export const ENUM_NEEDS_VALUES = { message: "an enum variable needs its values listed", path: ["values"] };

/** The longest data: URL an image variable takes (the JSON body itself is at most 1 MB). */
export const MAX_IMAGE_DATA_URL_CHARS = 1_000_000;
const MAX_IMAGE_URL_CHARS = 2048;
export const IMAGE_DATA_URL = /^data:(image\/(?:png|jpeg|webp|gif));base64,([A-Za-z0-9+/]+={0,2})$/;
const IMAGE_EXPECTED = "an https: URL or a data:image/(png|jpeg|webp|gif);base64 URL";

/** What a value of each type must be, in words (error messages, the JSON Schema's descriptions). */
export function expectedOf(v: TypedVariable): string {
  switch (v.type ?? "text") {
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "enum":
      return `one of ${(v.values ?? []).join(", ")}`;
    case "json":
      return "any JSON value";
    case "image":
      return IMAGE_EXPECTED;
    default:
      return "a string, number or boolean";
  }
}

const kindOf = (v: unknown) =>
  v === null
    ? "null"
    : Array.isArray(v)
      ? "an array"
      : typeof v === "number" && !Number.isFinite(v)
        ? "a non-finite number"
        : typeof v === "object"
          ? "an object"
          : `a ${typeof v}`;

/** An image value, checked for size before anything else is looked at. */
const imageValue = z.string().superRefine((s, ctx) => {
  if (s.startsWith("data:")) {
    if (s.length > MAX_IMAGE_DATA_URL_CHARS)
      ctx.addIssue({ code: "custom", message: `a data: URL of at most ${MAX_IMAGE_DATA_URL_CHARS} characters` });
    else if (!IMAGE_DATA_URL.test(s)) ctx.addIssue({ code: "custom", message: IMAGE_EXPECTED });
    return;
  }
  if (s.length > MAX_IMAGE_URL_CHARS)
    return void ctx.addIssue({ code: "custom", message: `an https: URL of at most ${MAX_IMAGE_URL_CHARS} characters` });
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {}
  if (url?.protocol !== "https:" || !url.hostname) ctx.addIssue({ code: "custom", message: IMAGE_EXPECTED });
});

const finite = z.number().refine(Number.isFinite);
// Built once: resolveInputs runs on every request (an enum's depends on its values).
const VALUE_SCHEMAS = {
  text: z.union([z.string().refine((s) => !s.includes("\u0000")), finite.transform(String), z.boolean().transform(String)]),
  number: finite.transform(String),
  boolean: z.boolean().transform(String),
  json: z.json().transform((j) => JSON.stringify(j)),
  image: imageValue,
} satisfies Record<Exclude<VariableType, "enum">, z.ZodType<string>>;

/**
 * The zod schema of a variable's value; its output is the text the template renders (an image's
 * is its URL, which the prompt builder turns into an image part). Strings never hold NUL:
 * PostgreSQL text and jsonb cannot store it.
 */
export function valueSchema(v: TypedVariable): z.ZodType<string> {
  const type = v.type ?? "text";
  return type === "enum" ? z.string().refine((s) => (v.values ?? []).includes(s)) : VALUE_SCHEMAS[type];
}

type Documented = TypedVariable & { description?: string | null; example?: string | null };

/** A value of the variable's type for docs and snippets: its authored example where it fits the type. */
export function exampleValue(v: Documented): unknown {
  const ex = v.example ?? "";
  switch (v.type ?? "text") {
    case "number":
      return ex !== "" && Number.isFinite(Number(ex)) ? Number(ex) : 1;
    case "boolean":
      return ex !== "false";
    case "enum":
      return v.values?.includes(ex) ? ex : (v.values?.[0] ?? "");
    case "json":
      try {
        return JSON.parse(ex);
      } catch {
        return {};
      }
    case "image":
      return ex || "https://example.com/photo.jpg";
    default:
      return ex || `your ${v.name}`;
  }
}

/** The JSON Schema of one variable's value (GET /workflows/:id's input_schema). */
export function jsonSchemaOf(v: Documented): Record<string, unknown> {
  const doc = { ...(v.description ? { description: v.description } : {}), ...(v.example ? { examples: [exampleValue(v)] } : {}) };
  switch (v.type ?? "text") {
    case "number":
      return { type: "number", ...doc };
    case "boolean":
      return { type: "boolean", ...doc };
    case "enum":
      return { type: "string", enum: v.values ?? [], ...doc };
    case "json":
      return { ...doc };
    case "image":
      return {
        type: "string",
        format: "uri",
        maxLength: MAX_IMAGE_DATA_URL_CHARS,
        pattern: "^(https://|data:image/(png|jpeg|webp|gif);base64,)",
        ...doc,
        description: v.description || `An image: ${IMAGE_EXPECTED}.`,
      };
    default:
      return { type: ["string", "number", "boolean"], ...doc };
  }
}

/** A run body's variables as one JSON Schema: every variable required, other keys allowed (and ignored). */
export function inputJsonSchema(variables: Documented[]) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: Object.fromEntries(variables.map((v) => [v.name, jsonSchemaOf(v)])),
    required: variables.map((v) => v.name),
  };
}

/** The message a wrong value gets (400): the variable, what was expected, what came. */
export function invalidValueMessage(v: TypedVariable, value: unknown, issue: string | undefined): string {
  const type = v.type ?? "text";
  if (typeof value === "string") {
    if (type === "text") return `Invalid parameter: ${v.name} must not contain NUL (\\u0000) characters`;
    if (type === "image") return `Invalid parameter: ${v.name} must be ${issue ?? expectedOf(v)}`;
    if (type === "enum") return `Invalid parameter: ${v.name} must be ${expectedOf(v)}, not ${JSON.stringify(value.slice(0, 100))}`;
  }
  return `Invalid parameter: ${v.name} must be ${expectedOf(v)}, not ${kindOf(value)}`;
}
