/**
 * Whether the open vault's server answers. Set from the Rust side's
 * `connection` events (its change watch notices a lost connection and
 * retries), from commands that fail with `io` while the vault is on a
 * server, and from Retry. A file vault is always "online".
 */
import { useSyncExternalStore } from "react";

let online = true;
let onServer = false;
const listeners = new Set<() => void>();

function emit() {
  listeners.forEach((l) => l());
}

export function setOnline(value: boolean): void {
  if (online === value) return;
  online = value;
  emit();
}

/** The app now works on a vault on a server (or a file: `false`). */
export function setVaultOnServer(value: boolean): void {
  onServer = value;
  if (!value) setOnline(true);
}

export function isVaultOnServer(): boolean {
  return onServer;
}

export function useOnline(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => online,
  );
}
