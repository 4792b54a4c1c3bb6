/**
 * Server state: one query per resource the UI shows, each under a key
 * named here, so a change invalidates exactly what it touched. The cache
 * is emptied whenever the vault locks (App.tsx), so nothing one user saw
 * is shown to the next. Revealed values never enter it: they live in
 * useRevealed, in memory, for 30 seconds at most.
 */
import { QueryClient, useInfiniteQuery, useQuery, type QueryKey } from "@tanstack/react-query";

import * as api from "./api";
import type { ApiError } from "./bindings/ApiError";
import type { SecretSummary } from "./bindings/SecretSummary";
import { AUDIT_PAGE, nextAuditPage, type AuditFilter } from "./lib/audit";
import { mark, markWhenPainted } from "./lib/startup";

declare module "@tanstack/react-query" {
  // api.ts rejects with nothing else.
  interface Register {
    defaultError: ApiError;
  }
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // Commands are local IPC: a failure is the answer, not a network
      // blip, and the data only changes when someone acts (Refresh).
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}

export const keys = {
  secrets: ["secrets"],
  departments: ["departments"],
  users: ["users"],
  session: ["session"],
  settings: ["settings"],
  devices: ["devices"],
  generatedPassword: ["generated-password"],
  usages: (id: number) => ["usages", id],
  history: (id: number) => ["history", id],
  audit: (filter: AuditFilter) => ["audit", filter],
} as const;

/** Everything the user may see; the table filters in memory. */
// Fetched at sign-in, before the table mounts (App.tsx): a list under a
// second old counts as fresh, so mounting the table does not fetch it again.
// Returning to the Secrets tab later, or Refresh, still does.
export const secretsQuery = { queryKey: keys.secrets, queryFn: listForTable, staleTime: 1000 };
export const useSecrets = () => useQuery(secretsQuery);

async function listForTable() {
  mark("coffer:list-asked");
  const list = await api.listSecrets();
  // Start-up milestones for the benchmark (set once per load).
  mark("coffer:list");
  markWhenPainted("coffer:table", '[data-testid^="secret-row-"], [data-testid="empty-state"]');
  return list;
}
export const useDepartments = (enabled = true) => useQuery({ queryKey: keys.departments, queryFn: api.listDepartments, enabled });
export const useUsers = (enabled = true) => useQuery({ queryKey: keys.users, queryFn: api.listUsers, enabled });
/** The signed-in user as the vault knows them now (memberships change while signed in). */
export const useSession = (enabled = true) => useQuery({ queryKey: keys.session, queryFn: api.session, enabled });
export const useSettings = () => useQuery({ queryKey: keys.settings, queryFn: api.getSettings });
export const useDevices = () => useQuery({ queryKey: keys.devices, queryFn: api.listDevices });
/** The audit log matching `filter`, newest first, in pages of 500 (each before the last entry's seq). */
export const useAuditLog = (filter: AuditFilter) =>
  useInfiniteQuery({
    queryKey: keys.audit(filter),
    queryFn: ({ pageParam }) => api.auditLog({ ...filter, before: pageParam, limit: AUDIT_PAGE }),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => nextAuditPage(last),
  });
export const usagesQuery = (id: number) => ({ queryKey: keys.usages(id), queryFn: () => api.listUsages(id) });
export const useUsages = (id: number) => useQuery(usagesQuery(id));
export const useHistory = (id: number) => useQuery({ queryKey: keys.history(id), queryFn: () => api.history(id) });
/** A fresh initial password from the core per dialog; forgotten when the dialog closes. */
export const useGeneratedPassword = () =>
  useQuery({ queryKey: keys.generatedPassword, queryFn: api.generatePassword, staleTime: Infinity, gcTime: 0 });

export function invalidate(client: QueryClient, ...which: QueryKey[]): Promise<void> {
  return Promise.all(which.map((queryKey) => client.invalidateQueries({ queryKey }))).then(() => undefined);
}

/**
 * One secret as the vault holds it now, put into the list in place of the
 * row shown (a vault may hold thousands), with its history refetched.
 * Rejects as the `secret` command does (deleted, no longer visible).
 */
export async function reloadSecret(client: QueryClient, id: number): Promise<SecretSummary> {
  void invalidate(client, keys.history(id));
  const fresh = await api.secret(id);
  client.setQueryData<SecretSummary[]>(keys.secrets, (list) =>
    list?.some((s) => s.id === id) ? list.map((s) => (s.id === id ? fresh : s)) : list && [...list, fresh],
  );
  return fresh;
}

/** After one secret changed: reload just its row; the whole list only if that fails. */
export async function refreshSecret(client: QueryClient, id: number): Promise<void> {
  try {
    await reloadSecret(client, id);
  } catch {
    await invalidate(client, keys.secrets);
  }
}

/** After a secret was deleted. */
export function dropSecret(client: QueryClient, id: number): void {
  client.setQueryData<SecretSummary[]>(keys.secrets, (list) => list?.filter((s) => s.id !== id));
  client.removeQueries({ queryKey: keys.usages(id) });
  client.removeQueries({ queryKey: keys.history(id) });
}
