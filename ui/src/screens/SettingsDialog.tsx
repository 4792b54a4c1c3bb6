/** App settings: auto-lock delay and how long a copied value stays on the clipboard. */
import { useEffect, useState } from "react";
import { Button, Group, Input, Label, NumberField, Text } from "react-aria-components";

import { getSettings, setSettings, toApiError } from "../api";
import type { Settings } from "../bindings/Settings";
import { AppDialog } from "../components/AppDialog";
import { Banner } from "../components/Banner";
import { Btn } from "../components/controls";
import { toast } from "../components/toasts";
import { sentence } from "../lib/text";

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

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const [settings, setLocal] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getSettings()
      .then(setLocal)
      .catch((e) => setError(sentence(toApiError(e).message)));
  }, []);

  async function save() {
    if (!settings) return;
    setBusy(true);
    setError(null);
    try {
      await setSettings(settings);
      toast("Settings saved");
      onClose();
    } catch (e) {
      setError(sentence(toApiError(e).message));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AppDialog
      isOpen
      onClose={onClose}
      title="Settings"
      size="small"
      testId="settings-dialog"
      footer={
        <>
          <Btn variant="secondary" onPress={onClose}>
            Cancel
          </Btn>
          <Btn variant="primary" onPress={save} isDisabled={busy || !settings} testId="settings-save">
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
            min={1}
            max={1440}
            unit="minutes idle"
            testId="settings-auto-lock"
            help="The vault locks itself when nobody has used the app for this long."
          />
          <NumberInput
            label="Clear the clipboard after"
            value={settings.clipboard_clear_secs}
            onChange={(clipboard_clear_secs) => setLocal({ ...settings, clipboard_clear_secs })}
            min={5}
            max={600}
            unit="seconds"
            testId="settings-clipboard"
            help="A copied value is removed from the clipboard after this long, if it is still there."
          />
        </div>
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
      {error && (
        <Banner tone="danger" live="assertive" testId="settings-error">
          {error}
        </Banner>
      )}
    </AppDialog>
  );
}
