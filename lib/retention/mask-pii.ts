// Masks e-mail addresses, phone numbers and card numbers in text an org chose to store masked
// (org setting `mask_pii`; README, "Retention and masking"). One left-to-right pass with a few
// characters of look-ahead, no regular expressions: every character is examined a bounded number
// of times, so the time is linear in the input whatever it holds (no input can make it backtrack).
//
//   e-mail  local@domain.tld  (local: letters, digits, . _ % + -; domain: labels and dots, a TLD of 2+ letters) → [email]
//   card    13–19 digits, optionally grouped by single spaces or dashes, passing the Luhn check  → [card]
//   phone   "+" then 8–15 digits; or 9–15 digits in at least three groups (spaces, dashes, "(…)") → [phone]
//
// Numbers glued to letters ("order A1234567890"), dates and plain digit runs without a "+" are left
// alone: a false [phone] in an order number costs more than it protects.

/** The most characters masked in one string; past it the rest is not stored (a run's prompt is at most 1,000,000). */
export const MAX_MASK_CHARS = 2_000_000;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
// . _ % + -
const isLocal = (c: number) => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const isDomain = (c: number) => isAlnum(c) || c === 46 || c === 45;
const AT = 64;
const PLUS = 43;
const OPEN = 40;
const CLOSE = 41;
const SPACE = 32;
const DASH = 45;

/** Masks one string (see above). */
export function maskPii(text: string): string {
  let s = text;
  let tail = "";
  if (s.length > MAX_MASK_CHARS) {
    tail = `[${s.length - MAX_MASK_CHARS} characters not stored: over the masking limit]`;
    s = s.slice(0, MAX_MASK_CHARS);
  }
  // Nothing to find without an "@" or a digit: the common case costs two scans and no copy.
  if (s.indexOf("@") < 0 && !/[0-9]/.test(s)) return s + tail;
  const n = s.length;
  const out: string[] = [];
  let emitted = 0;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === AT) {
      const end = emailEnd(s, i);
      if (end > 0) {
        let start = i;
        while (start > emitted && isLocal(s.charCodeAt(start - 1))) start--;
        // A local part may not start with a dot.
        while (start < i && s.charCodeAt(start) === 46) start++;
        if (start < i) {
          out.push(s.slice(emitted, start), "[email]");
          emitted = i = end;
          continue;
        }
      }
      i++;
      continue;
    }
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
    const startsNumber = isDigit(c) || ((c === PLUS || c === OPEN) && i + 1 < n && isDigit(s.charCodeAt(i + 1)));
    if (startsNumber && !isAlnum(prev) && prev !== PLUS && prev !== OPEN) {
      const run = numberRun(s, i);
      const next = run.end < n ? s.charCodeAt(run.end) : 0;
      // Glued to a letter or an "@" (then it is part of a word or an e-mail address): not a number.
      const kind = isAlnum(next) || next === AT ? null : classify(run);
      if (kind) {
        out.push(s.slice(emitted, i), kind);
        emitted = run.end;
      }
      // Past the whole run either way: no character is looked at twice.
      i = Math.max(run.end, i + 1);
      continue;
    }
    i++;
  }
  if (!emitted) return s + tail;
  out.push(s.slice(emitted));
  return out.join("") + tail;
}

/** The end of the domain after the "@" at `at` when it makes an e-mail address, else 0. */
function emailEnd(s: string, at: number): number {
  let end = at + 1;
  while (end < s.length && isDomain(s.charCodeAt(end))) end++;
  // A sentence's full stop (or a dash) after the address is not part of it.
  while (end > at + 1 && (s.charCodeAt(end - 1) === 46 || s.charCodeAt(end - 1) === 45)) end--;
  const first = s.charCodeAt(at + 1);
  if (end <= at + 1 || first === 46 || first === 45) return 0;
  // The last label is the TLD: 2+ letters.
  let dot = end - 1;
  while (dot > at && s.charCodeAt(dot) !== 46) dot--;
  if (dot <= at + 1 || end - dot - 1 < 2) return 0;
  for (let k = dot + 1; k < end; k++) if (!isAlpha(s.charCodeAt(k))) return 0;
  return end;
}

type NumberRun = { end: number; digits: string; count: number; plus: boolean; parens: boolean; groups: number; dashOrSpaceOnly: boolean };

/**
 * The longest run from `start` of digits separated by short separators (one or two of space, dash
 * and parentheses), each followed by a digit. Linear in its length.
 */
function numberRun(s: string, start: number): NumberRun {
  const n = s.length;
  let i = start;
  const plus = s.charCodeAt(i) === PLUS;
  if (plus) i++;
  let parens = false;
  let groups = 1;
  let dashOrSpaceOnly = true;
  let digits = "";
  let count = 0;
  let end = i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      // Past 19 digits it is neither a card nor a phone: scan on to the run's end, collect no more.
      if (++count <= 19) digits += s[i];
      end = ++i;
      continue;
    }
    let j = i;
    let sep = 0;
    let onlyDashOrSpace = true;
    while (j < n && sep < 2) {
      const d = s.charCodeAt(j);
      if (d !== SPACE && d !== DASH && d !== OPEN && d !== CLOSE) break;
      if (d === OPEN || d === CLOSE) onlyDashOrSpace = false;
      j++;
      sep++;
    }
    if (!sep || j >= n || !isDigit(s.charCodeAt(j))) break;
    if (!onlyDashOrSpace) parens = true;
    if (!onlyDashOrSpace || sep > 1) dashOrSpaceOnly = false;
    if (count > 0) groups++;
    i = j;
  }
  return { end, digits, count, plus, parens, groups, dashOrSpaceOnly };
}

function classify(r: NumberRun): string | null {
  const d = r.digits;
  if (r.count > 19) return null;
  if (!r.plus && r.dashOrSpaceOnly && d.length >= 13 && d.length <= 19 && luhn(d)) return "[card]";
  if (r.plus) return d.length >= 8 && d.length <= 15 ? "[phone]" : null;
  if (d.length >= 9 && d.length <= 15 && (r.groups >= 3 || (r.parens && r.groups >= 2))) return "[phone]";
  return null;
}

/** The Luhn check digit test (ISO/IEC 7812). */
export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let k = digits.length - 1; k >= 0; k--) {
    let v = digits.charCodeAt(k) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Masks every value of a run's stored inputs. */
export function maskInputs(inputs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) out[k] = maskPii(v);
  return out;
}
