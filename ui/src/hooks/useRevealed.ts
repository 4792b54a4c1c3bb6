/**
 * Values the user asked to see, per secret. They live only here, only in
 * memory, and only for 30 seconds (or until hidden, locked or the table is
 * left): hiding drops the values, not just the display.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import type { RevealedFieldView } from "../bindings/RevealedFieldView";

export const REVEAL_MS = 30_000;

export interface Revealed {
  /** Values shown for a secret, or undefined when hidden. */
  get(id: number): RevealedFieldView[] | undefined;
  show(id: number, fields: RevealedFieldView[]): void;
  hide(id: number): void;
  hideAll(): void;
}

export function useRevealed(durationMs = REVEAL_MS): Revealed {
  const [shown, setShown] = useState<ReadonlyMap<number, RevealedFieldView[]>>(() => new Map());
  const timers = useRef(new Map<number, number>());

  const hide = useCallback((id: number) => {
    const t = timers.current.get(id);
    if (t !== undefined) window.clearTimeout(t);
    timers.current.delete(id);
    setShown((m) => {
      if (!m.has(id)) return m;
      const next = new Map(m);
      next.delete(id);
      return next;
    });
  }, []);

  const show = useCallback(
    (id: number, fields: RevealedFieldView[]) => {
      const old = timers.current.get(id);
      if (old !== undefined) window.clearTimeout(old);
      timers.current.set(
        id,
        window.setTimeout(() => hide(id), durationMs),
      );
      setShown((m) => new Map(m).set(id, fields));
    },
    [durationMs, hide],
  );

  const hideAll = useCallback(() => {
    for (const t of timers.current.values()) window.clearTimeout(t);
    timers.current.clear();
    setShown(new Map());
  }, []);

  useEffect(() => () => {
    for (const t of timers.current.values()) window.clearTimeout(t);
  }, []);

  const get = useCallback((id: number) => shown.get(id), [shown]);
  // One identity per state, so memoized consumers re-render only on change.
  return useMemo(() => ({ get, show, hide, hideAll }), [get, show, hide, hideAll]);
}
