/**
 * Component tests mock the backend, not the api functions: fixtures answer
 * the typed commands, and everything above (api.ts's error normalisation
 * and session-lost handling, the query cache) runs as in the app.
 */
import { vi } from "vitest";

import { setBackend } from "../api";
import { backendOf, type Args, type Backend, type CommandName, type Handlers } from "../backend";
import type { AppEvent } from "../bindings/AppEvent";

export interface FakeBackend {
  /** Every call, as `[command, args]`. */
  invoke: ReturnType<typeof vi.fn<Backend["invoke"]>>;
  /** The arguments of each call of `command`, in order. */
  calls<K extends CommandName>(command: K): Args<K>[];
  /** Adds or replaces answers. */
  answer(handlers: Partial<Handlers>): void;
  /** Sends an event as the Rust side would (after `subscribe`). */
  emit(event: AppEvent): void;
}

/** Installs a backend answering from `handlers`; a command without one rejects as Tauri does. */
export function fakeBackend(handlers: Partial<Handlers> = {}): FakeBackend {
  const answers: Partial<Handlers> = { ...handlers };
  let listener: ((event: AppEvent) => void) | null = null;
  // backendOf looks the handler up at each call, so `answer` takes effect at once.
  const inner = backendOf(answers, async (onEvent) => {
    listener = onEvent;
  });
  const invoke = vi.fn<Backend["invoke"]>((command, args) => inner.invoke(command, args));
  setBackend({ invoke, subscribe: inner.subscribe });
  return {
    invoke,
    calls: <K extends CommandName>(command: K) => invoke.mock.calls.filter(([c]) => c === command).map(([, a]) => a as Args<K>),
    answer: (more) => Object.assign(answers, more),
    emit: (event) => listener?.(event),
  };
}
