/**
 * Why a secret's values cannot be shown or copied, in words. The core
 * decides (`can.reveal`, `can.copy`); this only explains a refusal it
 * already made, checking the same facts in the core's order (policy.rs
 * `check_use`: scope, then active, expiry, write-only), so the row and the
 * details say "not in scope" rather than leaving a gap where the eye was.
 */
import type { Scope } from "../bindings/Scope";
import type { SecretSummary } from "../bindings/SecretSummary";
import { isExpired } from "./expiry";

export interface Reader {
  username: string;
  departments: readonly string[];
}

/**
 * SPEC §2's "in scope": one of the departments (or all), and all users or
 * the creator. `creator` is the username the secret was (or will be)
 * created by.
 */
export function inScope(scope: Scope, who: Reader, creator: string): boolean {
  const d = scope.departments;
  const mine = new Set(who.departments.map((c) => c.toLowerCase()));
  const deptOk = d.kind === "all" || d.codes.some((c) => mine.has(c.toLowerCase()));
  return deptOk && (scope.users === "all" || creator.toLowerCase() === who.username.toLowerCase());
}

export type UnreadableKind = "not_in_scope" | "inactive" | "expired" | "write_only";

export interface Unreadable {
  kind: UnreadableKind;
  /** A few words for the row. */
  label: string;
  /** A sentence for the tooltip and the details view. */
  detail: string;
}

const REASONS: Record<UnreadableKind, Omit<Unreadable, "kind">> = {
  not_in_scope: {
    label: "not in scope",
    detail: "You are not in this secret's scope: you can see and manage it, but only members of its departments can read its values.",
  },
  inactive: {
    label: "inactive",
    detail: "Inactive: nobody can show, copy or get its values until an admin activates it again.",
  },
  expired: {
    label: "expired",
    detail: "Expired: nobody can show, copy or get its values until its expiry date is moved on.",
  },
  write_only: {
    label: "write-only",
    detail: "Saved as “never show again”: it can be replaced or deleted, and scripts can still get it, but nobody can show or copy it here.",
  },
};

/** Why values cannot be shown or copied, or null when they can (or the row is damaged). */
export function unreadable(s: SecretSummary, who: Reader, now: number): Unreadable | null {
  if (s.damaged || (s.can.reveal && s.can.copy)) return null;
  const kind: UnreadableKind = !inScope(s.scope, who, s.created_by)
    ? "not_in_scope"
    : !s.active
      ? "inactive"
      : s.expiry === "expired" || isExpired(s.expires_at, now)
        ? "expired"
        : s.reveal === "never"
          ? "write_only"
          : "not_in_scope";
  return { kind, ...REASONS[kind] };
}
