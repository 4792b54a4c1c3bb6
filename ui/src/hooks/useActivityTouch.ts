/**
 * Tells the Rust side the user is still here, so auto-lock waits. The
 * watchdog there decides when to lock; this only reports activity, at most
 * once per 20 seconds.
 */
import { useEffect } from "react";

import { touch } from "../api";

export const TOUCH_INTERVAL_MS = 20_000;

/** A leading-edge throttle: runs `fn` at most once per `ms`. */
function throttle(fn: () => void, ms: number, now: () => number = Date.now): () => void {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last >= ms) {
      last = t;
      fn();
    }
  };
}

const EVENTS = ["pointerdown", "keydown", "wheel", "pointermove", "focusin"] as const;

export function useActivityTouch(enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const report = throttle(() => {
      touch().catch(() => {
        // A locked vault shows up through the event channel or the next command.
      });
    }, TOUCH_INTERVAL_MS);
    for (const e of EVENTS) window.addEventListener(e, report, { passive: true, capture: true });
    return () => {
      for (const e of EVENTS) window.removeEventListener(e, report, { capture: true });
    };
  }, [enabled]);
}
