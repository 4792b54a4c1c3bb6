/** Test data builders. */
import type { SecretSummary } from "../bindings/SecretSummary";

export function summary(p: Partial<SecretSummary> & { id: number; key: string }): SecretSummary {
  return {
    field_names: ["value"],
    plain_fields: [],
    scope: { departments: { kind: "all" }, users: "all" },
    description: "",
    tags: [],
    expires_at: null,
    expiry: "none",
    active: true,
    reveal: "allowed",
    created_by: "ana",
    created_at: Date.UTC(2030, 0, 1),
    updated_by: "ana",
    updated_at: Date.UTC(2030, 0, 2),
    version: 1,
    damaged: false,
    can: { reveal: true, copy: true, edit: true, delete: true, activate: false },
    ...p,
  };
}
