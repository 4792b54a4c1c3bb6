export type VaultPlace = { location: string, short_name: string, on_server: boolean, };
