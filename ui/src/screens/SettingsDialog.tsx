/**
 * App settings: auto-lock delay and how long a copied value stays on the
 * clipboard; and security: the vault's fingerprint, and the devices
 * remembered for the user (each can be signed out from here).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button, Group, Input, Label, NumberField, Text } from "react-aria-components";

import { revokeDevice, setSettings } from "../api";
import type { DeviceInfo } from "../bindings/DeviceInfo";
import { LIMITS } from "../bindings/limit-values";
import type { SessionInfo } from "../bindings/SessionInfo";
import type { Settings } from "../bindings/Settings";
import { AppDialog } from "../components/AppDialog";
import type { FormMessage } from "../components/Banner";
import { Btn } from "../components/controls";
import { toast } from "../components/toasts";
import { sentence } from "../lib/text";
import { formatDate } from "../lib/time";
import { invalidate, keys, useDevices, useSettings } from "../queries";

function NumberInput(p: { label: string; value: number; onChange: (v: number) => void; min: number; max: number; unit: string; testId: string; help: string }) {
  return (
    <NumberField
      className="field"
      value={p.value}
      onChange={(v) => p.onChange(Number.isNaN(v) ? p.min : v)}
      minValue={p.min}
      maxValue={p.max}
      step={1}
    >
      <Label className="field-label">{p.label}</Label>
      <Group className="number-group">
        <Button slot="decrement" className="icon-btn icon-btn-default" aria-label={`Decrease ${p.label}`}>
          −
        </Button>
        <Input className="input number-input" data-testid={p.testId} />
        <Button slot="increment" className="icon-btn icon-btn-default" aria-label={`Increase ${p.label}`}>
          +
        </Button>
        <span className="unit">{p.unit}</span>
      </Group>
      <Text slot="description" className="field-help">
        {p.help}
      </Text>
    </NumberField>
  );
}

/** The user's remembered devices, each with a way to sign it out (`onRevoke`). */
function Devices({ devices, loading, onRevoke }: { devices: DeviceInfo[] | null; loading: boolean; onRevoke: (d: DeviceInfo) => void }) {
  return (
    <div className="field" data-testid="devices">
      <span className="field-label">Remembered devices</span>
      {devices === null && loading && <p className="muted">Loading…</p>}
      {devices?.length === 0 && <p className="field-help">No device remembers you: every sign-in asks for your password.</p>}
      {devices && devices.length > 0 && (
        <ul className="device-list">
          {devices.map((d) => (
            <li key={d.id} className="device-row" data-testid={`device-${d.id}`}>
              <span className="device-label">
                {d.label}
                {d.current && <span className="muted"> (this device)</span>}
              </span>
              <span className="muted device-date">since {formatDate(d.created_at)}</span>
              <Btn variant="ghost" onPress={() => onRevoke(d)} testId={`revoke-device-${d.id}`}>
                Sign out
              </Btn>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SettingsDialog({ session, onClose }: { session: SessionInfo; onClose: () => void }) {
  const client = useQueryClient();
  const stored = useSettings();
  const [edited, setLocal] = useState<Settings | null>(null);
  const settings = edited ?? stored.data ?? null;
  const save = useMutation({
    mutationFn: setSettings,
    onSuccess: () => {
      toast("Settings saved");
      onClose();
      return invalidate(client, keys.settings);
    },
  });
  const list = useDevices();
  const revoke = useMutation({
    mutationFn: (d: DeviceInfo) => revokeDevice(d.id),
    onSuccess: (_, d) => {
      toast(d.current ? "This device is signed out: the next sign-in needs your password" : `${d.label} is signed out`);
      return invalidate(client, keys.devices);
    },
  });
  const busy = save.isPending;
  const failed = save.error ?? stored.error;
  const error = failed ? sentence(failed.message) : null;
  const deviceFailure = revoke.error ?? list.error;
  // One message place, at the end: a message appearing moves no button.
  const message: FormMessage | null = error
    ? { tone: "danger", text: error, testId: "settings-error" }
    : deviceFailure
      ? { tone: "danger", text: sentence(deviceFailure.message), testId: "devices-error" }
      : null;

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Settings"
      size="small"
      testId="settings-dialog"
      message={message}
      messageTestId="settings-message"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose} testId="settings-cancel">
            Close
          </Btn>
          <Btn variant="primary" onPress={() => settings && save.mutate(settings)} isDisabled={busy || !settings} testId="settings-save">
            Save
          </Btn>
        </>
      }
    >
      {settings ? (
        <div className="stack">
          <NumberInput
            label="Lock after"
            value={settings.auto_lock_minutes}
            onChange={(auto_lock_minutes) => setLocal({ ...settings, auto_lock_minutes })}
            min={LIMITS.auto_lock_minutes_min}
            max={LIMITS.auto_lock_minutes_max}
            unit="minutes idle"
            testId="settings-auto-lock"
            help="The vault locks itself when nobody has used the app for this long."
          />
          <NumberInput
            label="Clear the clipboard after"
            value={settings.clipboard_clear_secs}
            onChange={(clipboard_clear_secs) => setLocal({ ...settings, clipboard_clear_secs })}
            min={LIMITS.clipboard_clear_secs_min}
            max={LIMITS.clipboard_clear_secs_max}
            unit="seconds"
            testId="settings-clipboard"
            help="A copied value is removed from the clipboard after this long, if it is still there."
          />
          <NumberInput
            label="Warn about expiry within"
            value={settings.expiry_notice_days}
            onChange={(expiry_notice_days) => setLocal({ ...settings, expiry_notice_days })}
            min={LIMITS.expiry_notice_days_min}
            max={LIMITS.expiry_notice_days_max}
            unit="days"
            testId="settings-expiry-days"
            help="At unlock and once a day, a desktop notification counts your secrets that expired or expire within this many days."
          />
        </div>
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
      <div className="stack settings-security">
        <div className="field">
          <span className="field-label">Vault fingerprint</span>
          <code className="fingerprint" data-testid="vault-fingerprint">
            {session.fingerprint}
          </code>
          <span className="field-help">
            Everyone on this vault sees the same code. Compare it with your team's owner once (in person or by phone): if it ever
            differs, do not use the vault.
          </span>
        </div>
        <Devices devices={list.data ?? null} loading={list.isPending} onRevoke={(d) => revoke.mutate(d)} />
      </div>
    </AppDialog>
  );
}
