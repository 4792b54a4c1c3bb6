import { describe, expect, it } from "vitest";

import { plural, sentence } from "./text";

describe("sentence", () => {
  it("capitalizes and ends backend clauses", () => {
    expect(sentence("wrong username or password")).toBe("Wrong username or password.");
    expect(sentence("Already done.")).toBe("Already done.");
    expect(sentence("  ")).toBe("");
  });

  it("pluralizes", () => {
    expect(plural(1, "secret")).toBe("1 secret");
    expect(plural(3, "secret")).toBe("3 secrets");
  });
});
