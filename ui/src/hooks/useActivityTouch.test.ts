/**
 * The hook itself, with real DOM events and the clock faked: what the
 * backend hears about the user's activity while the vault is unlocked.
 */
import { fireEvent, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { fail } from "../backend";
import { fakeBackend, type FakeBackend } from "../test/backend";
import { TOUCH_INTERVAL_MS, useActivityTouch } from "./useActivityTouch";

let backend: FakeBackend;

beforeEach(() => {
  vi.useFakeTimers();
  backend = fakeBackend({ touch: () => null });
});

afterEach(() => {
  vi.useRealTimers();
});

/** How many times the backend was touched, once pending calls have gone through. */
async function touches(): Promise<number> {
  await vi.advanceTimersByTimeAsync(0);
  return backend.calls("touch").length;
}

describe("useActivityTouch", () => {
  it("reports the first activity at once, then at most once per interval", async () => {
    renderHook(() => useActivityTouch(true));
    expect(await touches()).toBe(0);

    fireEvent.keyDown(document.body, { key: "a" });
    expect(await touches()).toBe(1);
    fireEvent.pointerMove(document.body);
    fireEvent.wheel(document.body);
    expect(await touches()).toBe(1);

    await vi.advanceTimersByTimeAsync(TOUCH_INTERVAL_MS - 1);
    fireEvent.pointerDown(document.body);
    expect(await touches()).toBe(1);

    await vi.advanceTimersByTimeAsync(1);
    fireEvent.pointerDown(document.body);
    expect(await touches()).toBe(2);
    // Time alone reports nothing.
    await vi.advanceTimersByTimeAsync(10 * TOUCH_INTERVAL_MS);
    expect(await touches()).toBe(2);
  });

  it.each(["pointerdown", "keydown", "wheel", "pointermove", "focusin"])("counts %s as activity", async (type) => {
    renderHook(() => useActivityTouch(true));
    document.body.dispatchEvent(new Event(type, { bubbles: true }));
    expect(await touches()).toBe(1);
  });

  it("counts activity inside any element, even one that stops the event", async () => {
    renderHook(() => useActivityTouch(true));
    const input = document.createElement("input");
    document.body.append(input);
    input.addEventListener("keydown", (e) => e.stopPropagation());
    fireEvent.keyDown(input, { key: "x" });
    expect(await touches()).toBe(1);
    input.remove();
  });

  it("reports nothing while locked, and stops when the vault locks or the app goes away", async () => {
    const { rerender, unmount } = renderHook(({ unlocked }) => useActivityTouch(unlocked), { initialProps: { unlocked: false } });
    fireEvent.keyDown(document.body);
    expect(await touches()).toBe(0);

    rerender({ unlocked: true });
    fireEvent.keyDown(document.body);
    expect(await touches()).toBe(1);

    rerender({ unlocked: false });
    await vi.advanceTimersByTimeAsync(TOUCH_INTERVAL_MS);
    fireEvent.keyDown(document.body);
    expect(await touches()).toBe(1);

    rerender({ unlocked: true });
    fireEvent.keyDown(document.body);
    expect(await touches()).toBe(2);
    unmount();
    await vi.advanceTimersByTimeAsync(TOUCH_INTERVAL_MS);
    fireEvent.keyDown(document.body);
    expect(await touches()).toBe(2);
  });

  it("swallows a failed touch: the lock shows through the event channel instead", async () => {
    backend.answer({ touch: () => fail("auth_failed", "the vault is locked") });
    renderHook(() => useActivityTouch(true));
    fireEvent.keyDown(document.body);
    // An unhandled rejection would fail the run.
    expect(await touches()).toBe(1);
  });
});
