import { describe, expect, it } from "vitest";

import { LIMITS } from "../bindings/limit-values";
import { newPasswordProblem, passwordStrength } from "./password";

const MIN = LIMITS.password_min_chars;

describe("passwordStrength", () => {
  it("calls passwords under the core's minimum very weak and says why", () => {
    const s = passwordStrength("a1!".repeat(3).slice(0, MIN - 1));
    expect(s.score).toBe(0);
    expect(s.hint).toBe(`Too short: use at least ${MIN} characters.`);
    expect(passwordStrength("a1!Bq-x9".repeat(2).slice(0, MIN)).score).toBeGreaterThan(0);
  });

  it("ranks by length and variety: repeated letters, then letters and digits, then long and mixed", () => {
    // Each step up has to come from the estimate, not from a ceiling.
    expect(passwordStrength("aaaaaaaaaa").score).toBe(1);
    expect(passwordStrength("password12").score).toBe(2);
    expect(passwordStrength("Tr0ub4dor&3x").score).toBe(3);
    expect(passwordStrength("correct horse battery staple 42!").score).toBe(4);
    // Same length, more kinds of characters: higher.
    expect(passwordStrength("abcdefghij").score).toBe(2);
    expect(passwordStrength("aB3$eF7*iJ").score).toBe(3);
  });
});

describe("newPasswordProblem", () => {
  it("applies the core's rules", () => {
    expect(newPasswordProblem("x".repeat(MIN - 1))).toBe(`Use at least ${MIN} characters.`);
    expect(newPasswordProblem("x".repeat(MIN))).toBeNull();
    expect(newPasswordProblem("é".repeat(LIMITS.password_max_bytes / 2 + 1))).toBe(`Too long: a password can be at most ${LIMITS.password_max_bytes} bytes.`);
    expect(newPasswordProblem(" padded password")).toMatch(/space/);
    expect(newPasswordProblem("correct horse", "correct horsE")).toMatch(/differ/);
    expect(newPasswordProblem("correct horse", "correct horse")).toBeNull();
  });
});
