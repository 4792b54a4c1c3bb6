/**
 * Sign in: username, password, "Remember on this device". Wrong passwords
 * get a clear message; repeated ones a growing delay, shown as a countdown
 * with the button disabled until it runs out.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { forgetDevice, unlock } from "../api";
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
  const [missing, setMissing] = useState(false);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const [deviceRemembered, setDeviceRemembered] = useState(status.device_remembered);
  const [info, setInfo] = useState<string | null>(null);
  const wait = useCountdown(retryAt);
  const waiting = wait > 0;

  const signIn = useMutation({
    mutationFn: (v: { username: string; password: string; remember: boolean }) => unlock(v.username, v.password, v.remember),
    onSuccess: (result) => {
      setPassword("");
      onUnlocked(result.session, result.remember_error);
    },
    onError: (e) => {
      setPassword("");
      // Too many attempts (locked), or a wrong password that makes the next
      // attempt wait: either way, count down.
      if (e.retry_after_secs !== null && e.retry_after_secs > 0) setRetryAt(Date.now() + e.retry_after_secs * 1000);
    },
  });
  const forget = useMutation({
    mutationFn: forgetDevice,
    onSuccess: (removed) => {
      setDeviceRemembered(false);
      setInfo(removed ? "This device no longer remembers you." : "This device did not remember you.");
    },
  });
  const busy = signIn.isPending;
  const failed = signIn.error ?? forget.error;
  const error = missing ? "Enter your username and password." : failed ? sentence(failed.message) : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || waiting) return;
    forget.reset();
    const empty = username.trim() === "" || password === "";
    setMissing(empty);
    if (empty) {
      signIn.reset();
      return;
    }
    setInfo(null);
    signIn.mutate({ username: username.trim(), password, remember });
  }

  function forgetThisDevice() {
    setMissing(false);
    signIn.reset();
    forget.mutate(username.trim());
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
          <Btn variant="ghost" onPress={forgetThisDevice} testId="forget-device" className="btn-block">
            Forget this device
          </Btn>
        )}
      </Form>
    </AuthLayout>
  );
}
