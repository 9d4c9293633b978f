// The cost bound of a user regex, from its text alone: no compile. RE2 matches in time linear in
// the input, but the constant is the compiled program's size, and a counted repeat copies its body
// (`.{1,1000}` is a thousand copies): `"(?i)" + ".{1,1000}"×50 + "x"` is 455 characters, compiles
// to 100,000 instructions in seconds and matches a few KB in a minute. So a pattern is refused when
// saved (a 400 naming the limit) if a repeat count is over MAX_REGEX_REPEAT or its program would be
// over MAX_REGEX_PROGRAM instructions; the estimate follows RE2's own size calculation
// (re2js Parser.calcSize) closely enough to be an upper bound for what users write. Checking is
// linear in the pattern's length, so it runs before authorization is even known to succeed.

/** The largest count of a `{n}`, `{n,}` or `{n,m}` repeat. */
export const MAX_REGEX_REPEAT = 100;
/** The largest program a pattern may compile to (estimated instructions; repeats multiply their body). */
export const MAX_REGEX_PROGRAM = 2_000;

type Frame = { total: number; last: number };

/** Why this pattern is over the bounds, or null. Syntax errors are left to the compiler (in the worker). */
export function regexBoundError(pattern: string): string | null {
  const stack: Frame[] = [{ total: 0, last: 0 }];
  const top = () => stack[stack.length - 1]!;
  const atom = (size = 1) => {
    const f = top();
    f.total += f.last;
    f.last = size;
  };
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === "Q") {
        // \Q…\E: every character up to \E (or the end) is a literal.
        const end = pattern.indexOf("\\E", i + 2);
        const stop = end === -1 ? pattern.length : end;
        for (let k = i + 2; k < stop; k++) atom();
        i = end === -1 ? pattern.length : end + 2;
        continue;
      }
      if ((next === "x" || next === "p" || next === "P") && pattern[i + 2] === "{") {
        const close = pattern.indexOf("}", i + 3);
        i = close === -1 ? pattern.length : close + 1;
      } else i += 2;
      atom();
      continue;
    }
    if (ch === "[") {
      i = skipClass(pattern, i);
      atom();
      continue;
    }
    if (ch === "(") {
      if (pattern[i + 1] === "?") {
        // (?flags) changes flags and is no group; (?flags:…), (?:…), (?P<name>…), (?<name>…) are.
        const m = /^\(\?[a-zA-Z-]*\)/.exec(pattern.slice(i, i + 20));
        if (m) {
          i += m[0].length;
          continue;
        }
      }
      stack.push({ total: 0, last: 0 });
      i++;
      continue;
    }
    if (ch === ")") {
      if (stack.length > 1) {
        const f = stack.pop()!;
        atom(f.total + f.last + 2);
      }
      i++;
      continue;
    }
    if (ch === "|") {
      const f = top();
      f.total += f.last + 1;
      f.last = 0;
      i++;
      continue;
    }
    if (ch === "*" || ch === "+" || ch === "?") {
      top().last += 2;
      i++;
      continue;
    }
    if (ch === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 30));
      if (m) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        if (Math.max(min, max) > MAX_REGEX_REPEAT) {
          return `a repeat count is at most ${MAX_REGEX_REPEAT} (this pattern has ${m[0]})`;
        }
        const f = top();
        const body = Math.max(1, f.last);
        f.last = max === -1 ? (min === 0 ? 2 + body : 1 + min * body) : Math.max(1, max) * body + (max - min);
        i += m[0].length;
        continue;
      }
    }
    atom();
    i++;
  }
  while (stack.length > 1) {
    const f = stack.pop()!;
    atom(f.total + f.last + 2);
  }
  const size = top().total + top().last;
  if (size > MAX_REGEX_PROGRAM) {
    return `the pattern compiles to about ${size.toLocaleString("en-US")} instructions, at most ${MAX_REGEX_PROGRAM.toLocaleString("en-US")} (a repeat copies what it repeats: {1,100} inside {1,100} is 10,000 copies)`;
  }
  return null;
}

/** The index just past a character class starting at `[` (RE2: `]` first is a literal, `[:alpha:]` nests). */
function skipClass(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === "^") i++;
  if (p[i] === "]") i++;
  while (i < p.length) {
    if (p[i] === "\\") i += 2;
    else if (p[i] === "[" && p[i + 1] === ":") {
      const close = p.indexOf(":]", i + 2);
      i = close === -1 ? i + 1 : close + 2;
    } else if (p[i] === "]") return i + 1;
    else i++;
  }
  return p.length;
}
