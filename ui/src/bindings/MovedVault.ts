import type { VaultPlace } from "./VaultPlace";
export type MovedVault = { from: VaultPlace, to: VaultPlace, rows: number, fingerprint: string, };
