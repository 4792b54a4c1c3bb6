/**
 * What a backend is: the typed shape of every command, generated from the
 * Rust command list (bindings/commands.ts). api.ts talks to the real one
 * (Tauri IPC); the development mock and the tests supply their own. Both
 * import this module and neither imports the other, so the mock stays out
 * of api.ts's imports except behind its compile-time flag.
 */
import type { ApiError } from "./bindings/ApiError";
import type { AppEvent } from "./bindings/AppEvent";
import type { CommandName, Commands } from "./bindings/commands";
import type { ErrorCode } from "./bindings/ErrorCode";

export type { CommandName, Commands };
export type Args<K extends CommandName> = Commands[K]["args"];
export type Result<K extends CommandName> = Commands[K]["result"];

export interface Backend {
  invoke<K extends CommandName>(command: K, args: Args<K>): Promise<Result<K>>;
  /** Events from the Rust side (auto-lock, clipboard cleared). */
  subscribe(onEvent: (event: AppEvent) => void): Promise<void>;
}

/** One answer per command: a missing or mistyped command is a type error. */
export type Handlers = { [K in CommandName]: (args: Args<K>) => Result<K> | Promise<Result<K>> };

/** Throws the error body a command rejects with. */
export function fail(code: ErrorCode, message: string, retry_after_secs: number | null = null): never {
  const e: ApiError = { code, message, retry_after_secs };
  throw e;
}

/**
 * A backend that answers from handlers the way the IPC does: results go
 * through JSON (nothing is shared with the caller), and a command without
 * a handler rejects with a plain string, as Tauri does for an unknown one.
 */
export function backendOf(handlers: Partial<Handlers>, subscribe: Backend["subscribe"] = async () => {}): Backend {
  return {
    async invoke<K extends CommandName>(command: K, args: Args<K>): Promise<Result<K>> {
      const handler = handlers[command] as ((args: Args<K>) => Result<K> | Promise<Result<K>>) | undefined;
      if (!handler) throw `command ${command} not found`;
      const result = await handler(JSON.parse(JSON.stringify(args)) as Args<K>);
      return JSON.parse(JSON.stringify(result ?? null)) as Result<K>;
    },
    subscribe,
  };
}
