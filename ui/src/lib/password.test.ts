import { describe, expect, it } from "vitest";

import { generatePassword, newPasswordProblem, passwordStrength } from "./password";

describe("passwordStrength", () => {
  it("calls short passwords very weak and says why", () => {
    const s = passwordStrength("abc");
    expect(s.score).toBe(0);
    expect(s.hint).toMatch(/at least 8/);
  });

  it("ranks longer, more varied passwords higher", () => {
    const weak = passwordStrength("aaaaaaaa").score;
    const fair = passwordStrength("password12").score;
    const strong = passwordStrength("correct horse battery staple 42!").score;
    expect(weak).toBeLessThan(strong);
    expect(fair).toBeLessThanOrEqual(strong);
    expect(strong).toBe(4);
  });
});

describe("newPasswordProblem", () => {
  it("applies the core's rules", () => {
    expect(newPasswordProblem("short")).toMatch(/at least 8/);
    expect(newPasswordProblem(" padded password")).toMatch(/space/);
    expect(newPasswordProblem("correct horse", "correct horsE")).toMatch(/differ/);
    expect(newPasswordProblem("correct horse", "correct horse")).toBeNull();
  });
});

describe("generatePassword", () => {
  it("has the requested length and no look-alike characters", () => {
    for (let i = 0; i < 50; i++) {
      const p = generatePassword(24);
      expect(p).toHaveLength(24);
      expect(p).not.toMatch(/[0O1lI]/);
    }
  });

  it("skips random values that would bias the result", () => {
    let call = 0;
    // First buffer: all values in the rejected top range; then zeros.
    const p = generatePassword(4, (buf) => {
      buf.fill(call++ === 0 ? 0xffff_ffff : 0);
    });
    expect(p).toBe("AAAA");
    expect(call).toBe(2);
  });
});
