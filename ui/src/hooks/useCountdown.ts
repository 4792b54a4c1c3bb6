/** Seconds left until a deadline, ticking once a second; 0 when passed. */
import { useEffect, useState } from "react";

export function secondsLeft(deadline: number | null, now: number): number {
  return deadline === null ? 0 : Math.max(0, Math.ceil((deadline - now) / 1000));
}

export function useCountdown(deadline: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const t = window.setInterval(() => {
      const n = Date.now();
      setNow(n);
      if (n >= deadline) window.clearInterval(t);
    }, 250);
    return () => window.clearInterval(t);
  }, [deadline]);
  return secondsLeft(deadline, now);
}
