import { AppError } from "@/lib/errors";
import type { TypedVariable, VariableType } from "./variable-types";

// `{{variable}}` templates. Whitespace inside the braces is allowed (`{{ story }}`); names are
// identifiers. The body of a run must supply every variable (docs/contract.md, the run contract).

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type TemplateIssue = { index: number; message: string };

/** Variable names in order of first appearance, across all the texts given (template, system instructions). */
export function extractVariables(...texts: string[]): string[] {
  const seen = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(PLACEHOLDER)) if (NAME.test(m[1]!)) seen.add(m[1]!);
  return [...seen];
}

/** Problems an editor should flag: unbalanced braces and names that are not identifiers. */
export function validateTemplate(template: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!NAME.test(m[1]!)) {
      issues.push({
        index: m.index!,
        message: m[1]
          ? `"${m[1]}" is not a valid variable name (letters, digits and _; not starting with a digit)`
          : "Empty placeholder {{}}",
      });
    }
  }
  const rest = template.replace(PLACEHOLDER, (s) => " ".repeat(s.length));
  for (const m of rest.matchAll(/\{\{|\}\}/g)) {
    issues.push({ index: m.index!, message: m[0] === "{{" ? "Unclosed {{ (missing }})" : "}} without a matching {{" });
  }
  return issues.sort((a, b) => a.index - b.index);
}

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (NAME.test(name) && name in values ? values[name]! : whole));
}

/**
 * renderTemplate, cut at the placeholders of `cut` (image variables): the text between them, and
 * each such placeholder's variable name, in order.
 */
export function renderSegments(template: string, values: Record<string, string>, cut: Set<string>): Array<string | { variable: string }> {
  const out: Array<string | { variable: string }> = [];
  let from = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (!cut.has(m[1]!)) continue;
    out.push(renderTemplate(template.slice(from, m.index), values), { variable: m[1]! });
    from = m.index! + m[0].length;
  }
  out.push(renderTemplate(template.slice(from), values));
  return out.filter((s) => s !== "");
}

/**
 * The length renderTemplate would return, without building it: what bounds a prompt before any
 * memory is spent on it (a placeholder repeated a thousand times multiplies its value's size).
 */
export function renderedLength(template: string, values: Record<string, string>): number {
  let n = template.length;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (NAME.test(name) && name in values) n += values[name]!.length - m[0].length;
  }
  return n;
}

export function assertValidTemplate(template: string) {
  const issues = validateTemplate(template);
  if (issues.length) throw new AppError("invalid_request", `Invalid template: ${issues[0]!.message}`);
}

/** A version's (or draft's) variables in order, with the type, description and example authored for each. */
export function variablesOf(v: {
  template: string;
  system: string;
  variables: Array<{ name: string; description?: string; example?: string } & Omit<TypedVariable, "name">>;
}) {
  const meta = new Map(v.variables.map((m) => [m.name, m]));
  return extractVariables(v.template, v.system).map((name) => {
    const m = meta.get(name);
    return {
      name,
      type: m?.type ?? ("text" as VariableType),
      ...(m?.type === "enum" ? { values: m.values ?? [] } : {}),
      description: m?.description ?? null,
      example: m?.example ?? null,
    };
  });
}
