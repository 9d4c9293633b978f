import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newEvalCase, type NewEvalCase } from "./schemas";

// Importing test cases from JSONL or CSV. Every line is checked on its own: good lines are
// reported with the bad ones, each bad one with its line number and what is wrong, and nothing is
// saved unless every line is good (a half-imported dataset is worse than a clear list of fixes).

export const MAX_IMPORT_BYTES = 1_000_000;

export type ImportLineError = { line: number; error: string };

/**
 * JSONL: one case per line, `{"name"?, "inputs": {…}, "expectations": [{"type": "contains", "value": "…"}, …]}`.
 * CSV: a header row; `name`, `expect_contains`, `expect_not_contains`, `expect_equals`,
 * `expect_regex`, `expect_max_output_tokens` and `expect_judge` (the rubric, with its
 * `judge_pass_score` and optional `judge_model` columns) are the case's name and expectations
 * (empty cells are skipped), every other column is an input.
 */
export function parseCases(text: string, format: "jsonl" | "csv"): Parsed {
  assertImportSize(text);
  return format === "jsonl" ? parseJsonl(text) : parseCsv(text);
}

export function assertImportSize(text: string) {
  if (Buffer.byteLength(text, "utf8") > MAX_IMPORT_BYTES)
    throw new AppError("payload_too_large", `An import is at most ${MAX_IMPORT_BYTES} bytes`);
}

/** The good cases with the line each came from, and the bad lines. */
type Parsed = { cases: NewEvalCase[]; lines: number[]; errors: ImportLineError[] };

function parseJsonl(text: string): Parsed {
  const out: Parsed = { cases: [], lines: [], errors: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return out.errors.push({ line: i + 1, error: "not valid JSON" });
    }
    collect(newEvalCase.safeParse(value), i + 1, out);
  });
  return out;
}

const EXPECT_COLUMNS: Record<string, string> = {
  expect_contains: "contains",
  expect_not_contains: "not_contains",
  expect_equals: "equals",
  expect_regex: "regex",
  expect_max_output_tokens: "max_output_tokens",
  expect_judge: "judge",
};
/** Columns that qualify `expect_judge`: neither inputs nor expectations of their own. */
const JUDGE_COLUMNS = new Set(["judge_pass_score", "judge_model"]);

function parseCsv(text: string): Parsed {
  const out: Parsed = { cases: [], lines: [], errors: [] };
  const rows = csvRows(text);
  const header = rows.shift();
  if (!header) return { ...out, errors: [{ line: 1, error: "empty file: a header row is required" }] };
  for (const { cells, line } of rows) {
    if (cells.length === 1 && cells[0] === "") continue;
    if (cells.length !== header.cells.length) {
      out.errors.push({ line, error: `${cells.length} columns, the header has ${header.cells.length}` });
      continue;
    }
    const inputs: Record<string, string> = {};
    const expectations: unknown[] = [];
    let name: string | undefined;
    const byName = new Map(header.cells.map((h, c) => [h.trim(), cells[c]!]));
    header.cells.forEach((h, c) => {
      const col = h.trim();
      const cell = cells[c]!;
      if (col === "name") name = cell || undefined;
      else if (JUDGE_COLUMNS.has(col)) return;
      else if (EXPECT_COLUMNS[col]) {
        if (cell === "") return;
        const type = EXPECT_COLUMNS[col];
        if (type === "judge") {
          const score = byName.get("judge_pass_score") ?? "";
          expectations.push({
            type,
            rubric: cell,
            pass_score: score === "" ? undefined : Number(score),
            ...(byName.get("judge_model") ? { model: byName.get("judge_model") } : {}),
          });
        } else
          expectations.push(
            type === "regex"
              ? { type, pattern: cell }
              : type === "max_output_tokens"
                ? { type, value: Number(cell) }
                : { type, value: cell },
          );
      } else inputs[col] = cell;
    });
    collect(newEvalCase.safeParse({ name, inputs, expectations }), line, out);
  }
  return out;
}

function collect(r: z.ZodSafeParseResult<NewEvalCase>, line: number, out: Parsed) {
  if (r.success) {
    out.cases.push(r.data);
    out.lines.push(line);
  } else {
    const issue = r.error.issues[0]!;
    out.errors.push({ line, error: `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` });
  }
}

/** RFC 4180 rows (quoted cells may hold commas, quotes as "" and newlines), with the line each starts on. */
function csvRows(text: string): { cells: string[]; line: number }[] {
  const rows: { cells: string[]; line: number }[] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") (row.push(cell), (cell = ""));
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push({ cells: row, line: start });
      row = [];
      cell = "";
      start = ++line;
    } else cell += ch;
  }
  if (cell !== "" || row.length) rows.push({ cells: [...row, cell], line: start });
  return rows;
}
