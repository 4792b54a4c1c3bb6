/**
 * What the person who met a refusal can do about it. The core words its
 * messages for everyone (what is true, and who may act: "admins and the
 * owner can activate it"); what *this* user can do depends on their role
 * and their rights on the secret (`can`), which only the UI holds. So a
 * member is never told to edit a secret they cannot edit, and an admin is
 * not sent to ask an admin.
 */
import type { ApiError } from "../bindings/ApiError";
import type { Scope } from "../bindings/Scope";
import type { SecretSummary } from "../bindings/SecretSummary";
import { sentence } from "./text";

/** The core's message as a sentence, followed by advice for this user. */
export function withAdvice(error: ApiError, secret: SecretSummary | null): string {
  const base = sentence(error.message);
  const advice = secret ? adviceFor(error.code, secret) : null;
  return advice ? `${base} ${advice}` : base;
}

function adviceFor(code: ApiError["code"], s: SecretSummary): string | null {
  switch (code) {
    case "conflict":
      return s.can.edit
        ? `You can edit the existing ${s.key} instead.`
        : `The existing one was created by ${s.created_by}: only they (while in its scope) or an admin can change it.`;
    case "inactive":
      return s.can.activate ? "Turn its Active switch on to use it." : "Ask an admin to activate it.";
    case "expired":
      return s.can.edit ? "Edit it to set a later expiry date." : `Ask ${s.created_by} or an admin to extend it.`;
    case "write_only":
      return s.can.edit ? "You can replace its value by editing it." : null;
    default:
      return null;
  }
}

function sameScope(a: Scope, b: Scope): boolean {
  if (a.users !== b.users) return false;
  if (a.departments.kind === "all" || b.departments.kind === "all") return a.departments.kind === b.departments.kind;
  const x = a.departments.codes.map((c) => c.toUpperCase()).sort();
  const y = b.departments.codes.map((c) => c.toUpperCase()).sort();
  return x.length === y.length && x.every((c, i) => c === y[i]);
}

/**
 * The visible secret a save collided with (same key and scope; a private
 * one only if it is the saver's own), to word the conflict for them.
 */
export function existingSecret(
  secrets: readonly SecretSummary[] | undefined,
  draft: { key: string; scope: Scope },
  username: string,
  except: number | null = null,
): SecretSummary | null {
  return (
    secrets?.find(
      (s) =>
        s.id !== except &&
        s.key === draft.key &&
        sameScope(s.scope, draft.scope) &&
        (s.scope.users === "all" || s.created_by.toLowerCase() === username.toLowerCase()),
    ) ?? null
  );
}
