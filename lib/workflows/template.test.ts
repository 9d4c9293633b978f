import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { resolveInputs } from "./inputs";
import { extractVariables, renderTemplate, validateTemplate } from "./template";

describe("templates", () => {
  it.each([
    ["Write {{story}}", ["story"]],
    ["{{ story }} and {{story}} again", ["story"]],
    ["{{a}}{{b_2}} {{  _c  }}", ["a", "b_2", "_c"]],
    ["no variables", []],
    ["{{1bad}} {{ok}}", ["ok"]],
    ["{{ two words }}", []],
    ["{single} {{{triple}}}", ["triple"]],
    ["{{\nname\n}}", ["name"]],
  ])("extractVariables(%j) = %j", (t, vars) => {
    expect(extractVariables(t)).toEqual(vars);
  });

  it.each([
    ["Write {{story}}", { story: "x" }, "Write x"],
    ["{{ a }}-{{a}}", { a: "1" }, "1-1"],
    ["keeps {{unknown}}", {}, "keeps {{unknown}}"],
    ["values are not re-expanded: {{a}}", { a: "{{b}}", b: "no" }, "values are not re-expanded: {{b}}"],
    ["$& and $1 are literal: {{a}}", { a: "$&$1" }, "$& and $1 are literal: $&$1"],
  ])("renderTemplate(%j)", (t, v, out) => {
    expect(renderTemplate(t, v)).toBe(out);
  });

  it.each([
    ["fine {{a}}", 0],
    ["unclosed {{a", 1],
    ["stray }} here", 1],
    ["{{bad-name}}", 1],
    ["{{}}", 1],
    ["{{ 9lives }} and {{ok}} and {{", 2],
  ])("validateTemplate(%j) finds %i issue(s)", (t, n) => {
    expect(validateTemplate(t)).toHaveLength(n);
  });

  it("resolveInputs names the first missing variable as the seed does", () => {
    expect(() => resolveInputs(text("story", "tone"), { tone: "x" })).toThrowError(
      new AppError("invalid_request", "Missing required parameter: story"),
    );
    expect(resolveInputs(text("a"), { a: 0, ignored: [] })).toEqual({ a: "0" });
    expect(() => resolveInputs(text("a"), { a: [1] })).toThrow(/must be a string, number or boolean, not an array/);
    expect(() => resolveInputs(text("a"), { a: Infinity })).toThrow(/not a non-finite number/);
    // Prototype keys are not variables the body supplied.
    expect(() => resolveInputs(text("constructor"), {})).toThrow(/Missing required parameter: constructor/);
  });
});

/** Untyped (text) variables, as every variable was before types. */
function text(...names: string[]) {
  return names.map((name) => ({ name }));
}

describe("inputs PostgreSQL cannot store", () => {
  it("a NUL character is a 400, not a database error", () => {
    expect(() => resolveInputs(text("story"), { story: "a\u0000b" })).toThrow(
      "Invalid parameter: story must not contain NUL (\\u0000) characters",
    );
  });
});
