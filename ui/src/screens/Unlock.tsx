/**
 * Sign in: username, password, "Remember on this device". Wrong passwords
 * get a clear message; repeated ones a growing delay, shown as a countdown
 * with the button disabled until it runs out.
 */
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { forgetDevice, toApiError, unlock } from "../api";
import type { AppStatus } from "../bindings/AppStatus";
import type { SessionInfo } from "../bindings/SessionInfo";
import { AuthLayout } from "../components/AuthLayout";
import { Banner, FormError } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput, TextInput } from "../components/controls";
import { useCountdown } from "../hooks/useCountdown";
import { sentence } from "../lib/text";

export interface UnlockProps {
  status: AppStatus;
  /** Why we are here, e.g. "Locked after 10 minutes without activity." */
  notice?: string | null;
  onUnlocked: (session: SessionInfo, rememberError: string | null) => void;
}

export function Unlock({ status, notice, onUnlocked }: UnlockProps) {
  const [username, setUsername] = useState(status.remembered_user ?? "");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [deviceRemembered, setDeviceRemembered] = useState(status.device_remembered);
  const [info, setInfo] = useState<string | null>(null);
  const wait = useCountdown(retryAt);
  const waiting = wait > 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || waiting) return;
    if (username.trim() === "" || password === "") {
      setError("Enter your username and password.");
      return;
    }
    setBusy(true);
    setError(null);
    setInfo(null);
    try {
      const result = await unlock(username.trim(), password, remember);
      setPassword("");
      onUnlocked(result.session, result.remember_error);
    } catch (err) {
      const e2 = toApiError(err);
      setPassword("");
      // Too many attempts (locked), or a wrong password that makes the next
      // attempt wait: either way, count down.
      if (e2.retry_after_secs !== null && e2.retry_after_secs > 0) {
        setRetryAt(Date.now() + e2.retry_after_secs * 1000);
      }
      setError(sentence(e2.message));
    } finally {
      setBusy(false);
    }
  }

  async function forget() {
    setError(null);
    try {
      const removed = await forgetDevice(username.trim());
      setDeviceRemembered(false);
      setInfo(removed ? "This device no longer remembers you." : "This device did not remember you.");
    } catch (err) {
      setError(sentence(toApiError(err).message));
    }
  }

  return (
    <AuthLayout title="Unlock the vault" subtitle="Sign in to see your team's secrets.">
      {notice && (
        <Banner tone="info" testId="unlock-notice">
          {notice}
        </Banner>
      )}
      {status.keyring_problem && (
        <Banner tone="warning" testId="keyring-problem" title="The system keyring is not available">
          Sign in with your password; “Remember on this device” cannot work until it is. ({status.keyring_problem})
        </Banner>
      )}
      <Form className="stack" onSubmit={submit} validationBehavior="aria">
        <TextInput
          label="Username"
          value={username}
          onChange={setUsername}
          testId="unlock-username"
          autoComplete="username"
          autoFocus={username === ""}
        />
        <PasswordInput
          label="Password"
          value={password}
          onChange={setPassword}
          testId="unlock-password"
          autoComplete="current-password"
          autoFocus={username !== ""}
        />
        <CheckboxField
          label="Remember on this device"
          isSelected={remember}
          onChange={setRemember}
          testId="remember-device"
          isDisabled={!!status.keyring_problem}
        />
        <FormError message={error} testId="unlock-error" />
        {waiting && (
          <p className="countdown" data-testid="unlock-countdown" aria-live="polite">
            Several failed attempts: you can try again in {wait} s.
          </p>
        )}
        {info && (
          <p className="muted" role="status" data-testid="unlock-info">
            {info}
          </p>
        )}
        <Btn type="submit" variant="primary" testId="unlock-submit" isDisabled={busy || waiting} className="btn-block">
          {busy ? "Unlocking…" : waiting ? `Wait ${wait} s` : "Unlock"}
        </Btn>
        {deviceRemembered && (
          <Btn variant="ghost" onPress={forget} testId="forget-device" className="btn-block">
            Forget this device
          </Btn>
        )}
      </Form>
    </AuthLayout>
  );
}
