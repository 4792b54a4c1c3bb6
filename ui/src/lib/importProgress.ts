/**
 * Import progress, as the Rust side reports it over the app's event
 * subscription (`AppEvent` `import_progress`): App.tsx forwards each event
 * here, and the Import dialog listens while an import runs.
 */
export interface ImportProgress {
  done: number;
  total: number;
}

const listeners = new Set<(p: ImportProgress) => void>();

/** Tells every listener (called by App.tsx for each event). */
export function reportImportProgress(p: ImportProgress): void {
  for (const l of listeners) l(p);
}

/** Listens until the returned function is called. */
export function onImportProgress(listener: (p: ImportProgress) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
