import { describe, expect, it } from "vitest";

import { throttle } from "./useActivityTouch";

describe("throttle", () => {
  it("runs at most once per interval, on the leading edge", () => {
    let t = 0;
    let calls = 0;
    const f = throttle(() => calls++, 20_000, () => t);
    f();
    f();
    expect(calls).toBe(1);
    t = 19_999;
    f();
    expect(calls).toBe(1);
    t = 20_000;
    f();
    expect(calls).toBe(2);
  });
});
