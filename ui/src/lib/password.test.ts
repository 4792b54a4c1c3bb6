import { describe, expect, it } from "vitest";

import type { PasswordCheck } from "../bindings/PasswordCheck";
import type { PasswordCheckState } from "../hooks/usePasswordCheck";
import { newPasswordBlocker, strengthLabel } from "./password";

const verdict = (acceptable: boolean, current = true): PasswordCheckState => ({
  check: { acceptable, score: acceptable ? 3 : 1, problem: acceptable ? null : "This password is too easy to guess.", suggestions: [] } satisfies PasswordCheck,
  current,
  failed: false,
});

describe("newPasswordBlocker", () => {
  it("says what is missing, in the order a person fills the form", () => {
    expect(newPasswordBlocker("", "", { check: null, current: true, failed: false })).toBe("Choose a password.");
    expect(newPasswordBlocker("tr0ub4dor", "", verdict(true, false))).toBe("Checking the password…");
    expect(newPasswordBlocker("password", "password", verdict(false))).toMatch(/does not meet the rule/);
    expect(newPasswordBlocker("sea otter violin kettle", "", verdict(true))).toMatch(/again to confirm/);
    expect(newPasswordBlocker("sea otter violin kettle", "sea otter violin kettlE", verdict(true))).toBe("The two passwords differ.");
    expect(newPasswordBlocker("sea otter violin kettle", "sea otter violin kettle", verdict(true))).toBeNull();
  });

  it("leaves the decision to the core when the check itself failed", () => {
    const failed: PasswordCheckState = { check: null, current: true, failed: true };
    expect(newPasswordBlocker("sea otter violin kettle", "sea otter violin kettle", failed)).toBeNull();
  });
});

describe("strengthLabel", () => {
  it("names zxcvbn's five scores", () => {
    expect([0, 1, 2, 3, 4].map(strengthLabel)).toEqual(["Very weak", "Weak", "Fair", "Good", "Strong"]);
  });
});
