import type { VaultPlace } from "./VaultPlace";
export type VaultLocations = { current: VaultPlace, recent: Array<VaultPlace>, };
