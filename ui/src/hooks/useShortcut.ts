/** Global keyboard shortcuts (Ctrl/Cmd + key). */
import { useEffect, useRef } from "react";

export function isShortcut(e: KeyboardEvent, key: string): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === key;
}

/**
 * Calls `handler` on Ctrl+`key` (Cmd on macOS) while `enabled`. Skipped
 * while a modal dialog is open, unless `inDialogs` is set.
 */
export function useShortcut(key: string, handler: () => void, enabled = true, inDialogs = false): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (!isShortcut(e, key)) return;
      if (!inDialogs && document.querySelector("[role=dialog],[role=alertdialog]")) return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [key, enabled, inDialogs]);
}
