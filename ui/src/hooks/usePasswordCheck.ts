/**
 * The core's verdict on a new password as it is typed (`check_password`),
 * asked once typing pauses. The core checks again when the password is
 * set, so this only decides what the form shows and when its button is
 * enabled.
 */
import { useEffect, useState } from "react";

import { checkPassword } from "../api";
import type { PasswordCheck } from "../bindings/PasswordCheck";

/** How long typing must pause before the password is checked. */
export const CHECK_DELAY_MS = 250;

export interface PasswordCheckState {
  /** The latest verdict (for this password, or for what was typed before). */
  check: PasswordCheck | null;
  /** Whether `check` is about the password as it is now. */
  current: boolean;
  /** The check itself failed: leave the decision to the core at submit. */
  failed: boolean;
}

export function usePasswordCheck(password: string, context: readonly string[]): PasswordCheckState {
  const words = context.map((w) => w.trim()).filter((w) => w !== "");
  const ctx = words.join("\n");
  const [answer, setAnswer] = useState<{ password: string; ctx: string; check: PasswordCheck | null; failed: boolean } | null>(null);

  useEffect(() => {
    if (password === "") return;
    let live = true;
    const t = window.setTimeout(() => {
      checkPassword(password, ctx === "" ? [] : ctx.split("\n")).then(
        (check) => live && setAnswer({ password, ctx, check, failed: false }),
        () => live && setAnswer({ password, ctx, check: null, failed: true }),
      );
    }, CHECK_DELAY_MS);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [password, ctx]);

  if (password === "") return { check: null, current: true, failed: false };
  const current = answer !== null && answer.password === password && answer.ctx === ctx;
  return { check: answer?.check ?? null, current, failed: current && answer.failed };
}
