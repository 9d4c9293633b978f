import { describe, expect, it } from "vitest";
import { luhn, maskInputs, maskPii, MAX_MASK_CHARS } from "./mask-pii";

// The masker of stored inputs and outputs (org setting mask_pii): what it masks, what it leaves,
// and that no input makes it slow (one linear pass, no regular expression that could backtrack).

describe("maskPii", () => {
  it.each([
    ["write to jane.doe+test@example.co.uk today", "write to [email] today"],
    ["<a@b.io>, x_y%z@mail-server.example.com.", "<[email]>, [email]."],
    ["5551234567@example.com", "[email]"],
    ["call +1 (555) 123-4567 now", "call [phone] now"],
    ["call (555) 123-4567.", "call [phone]."],
    ["555-123-4567 or 020 7946 0958", "[phone] or [phone]"],
    ["+442079460958", "[phone]"],
    ["card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29"],
    ["card 4111-1111-1111-1111", "card [card]"],
    ["amex 378282246310005.", "amex [card]."],
    ["visa13 4222222222222", "visa13 [card]"],
  ])("masks %j", (input, expected) => {
    expect(maskPii(input)).toBe(expected);
  });

  it.each([
    "no personal data here",
    "2026-12-05 at 10:30",
    "order A1234567890 shipped",
    "total 1234567 units", // a plain number, no "+", no groups
    "4111 1111 1111 1112", // fails the Luhn check, and 16 digits is too long for a phone
    "1234567890123456789012345", // 25 digits: neither a card nor a phone
    "user@localhost", // no TLD
    "a@b.c", // one-letter TLD
    "@example.com",
    "v1.2.3 and 10.0.0.1",
    "+1234", // too short for a phone
  ])("leaves %j alone", (input) => {
    expect(maskPii(input)).toBe(input);
  });

  it("checks Luhn", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    expect(luhn("79927398713")).toBe(true);
  });

  it("masks every input value", () => {
    expect(maskInputs({ who: "me@example.org", n: "42" })).toEqual({ who: "[email]", n: "42" });
  });

  it("caps what it stores", () => {
    const big = "x".repeat(MAX_MASK_CHARS + 10);
    const masked = maskPii(big);
    expect(masked.startsWith("x".repeat(1000))).toBe(true);
    expect(masked.endsWith("[10 characters not stored: over the masking limit]")).toBe(true);
  });

  // Each of these would make a backtracking pattern quadratic or worse. 1 MB each, well under a second.
  it.each([
    ["@ repeated", "@".repeat(1_000_000)],
    ["a@ repeated", "a@".repeat(500_000)],
    ["a local part then a domain without a dot", "a".repeat(500_000) + "@" + "b".repeat(499_999)],
    ["dots after an @", "a@" + ".".repeat(999_998)],
    ["a domain of many labels without a TLD", "a@" + "b1.".repeat(333_332)],
    ["digits and single spaces", "1 ".repeat(500_000)],
    ["digits and dashes", "1-".repeat(500_000)],
    ["pluses", "+1".repeat(500_000)],
    ["parentheses", "(1) ".repeat(250_000)],
    ["alternating digit groups and letters", "12345 a".repeat(142_857)],
    ["e-mail-like digit runs", "5551234567@".repeat(90_909)],
    ["a million digits", "4".repeat(1_000_000)],
  ])("is linear on %s", (_, input) => {
    const t0 = performance.now();
    const out = maskPii(input);
    const ms = performance.now() - t0;
    expect(typeof out).toBe("string");
    expect(ms).toBeLessThan(3000); // generous on a shared machine: a quadratic pass over 1 MB takes minutes
  });

  it("takes about twice as long for twice the input (no superlinear case)", () => {
    const time = (s: string) => {
      const t0 = performance.now();
      for (let k = 0; k < 3; k++) maskPii(s);
      return performance.now() - t0;
    };
    const unit = "x@y 1-2 (3) +4 a.b@c ";
    time(unit.repeat(20_000)); // warm up
    const small = time(unit.repeat(40_000));
    const large = time(unit.repeat(160_000));
    expect(large / small).toBeLessThan(10); // 4× the input; quadratic would be 16×
  });
});
