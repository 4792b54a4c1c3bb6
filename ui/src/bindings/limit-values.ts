// Generated from coffer-core's LIMITS by `cargo test export_bindings`. Do not edit.
import type { Limits } from "./Limits";

export const LIMITS: Limits = {
  "key_chars": 256,
  "field_name_chars": 128,
  "fields": 100,
  "value_bytes": 65536,
  "description_chars": 2000,
  "tag_chars": 40,
  "tags": 32,
  "password_min_chars": 8,
  "password_max_bytes": 1024,
  "expiry_warning_ms": 604800000,
  "auto_lock_minutes_min": 1,
  "auto_lock_minutes_max": 1440,
  "clipboard_clear_secs_min": 5,
  "clipboard_clear_secs_max": 600,
  "expiry_notice_days_min": 1,
  "expiry_notice_days_max": 90
};
