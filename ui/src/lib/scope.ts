/** Scope in words, the same words everywhere in the UI. */
import type { Role } from "../bindings/Role";
import type { Scope } from "../bindings/Scope";

export function departmentsLabel(scope: Scope): string {
  return scope.departments.kind === "all" ? "All departments" : scope.departments.codes.join(", ");
}

export function userScopeLabel(scope: Scope): string {
  return scope.users === "all" ? "All users" : "Only me";
}

export function isAdmin(role: Role): boolean {
  return role === "admin" || role === "owner";
}

export const ROLE_LABELS: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };
