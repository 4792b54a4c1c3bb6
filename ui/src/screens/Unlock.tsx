/**
 * Sign in: username, password, "Remember on this device" (checked while
 * this device remembers the user), and, when it does, a deliberate
 * "Unlock with this device". Wrong passwords get a clear message; repeated
 * ones a growing wait, said once with a live countdown, the button
 * disabled until it runs out.
 */
import { useMutation } from "@tanstack/react-query";
import { KeyRound } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Form } from "react-aria-components";

import { forgetDevice, unlock, unlockWithDevice } from "../api";
import type { ApiError } from "../bindings/ApiError";
import type { AppStatus } from "../bindings/AppStatus";
import type { SessionInfo } from "../bindings/SessionInfo";
import { AuthLayout } from "../components/AuthLayout";
import { Banner, MessageSlot, type FormMessage } from "../components/Banner";
import { Btn, CheckboxField, PasswordInput, TextInput } from "../components/controls";
import { useCountdown } from "../hooks/useCountdown";
import { sentence } from "../lib/text";

export interface UnlockProps {
  status: AppStatus;
  /** Why we are here, e.g. "Locked after 10 minutes without activity." */
  notice?: string | null;
  onUnlocked: (session: SessionInfo, rememberError: string | null) => void;
  /** Offers opening another vault (a team vault on a server, another file). */
  onOpenOther?: () => void;
}

/** A refused sign-in that makes the next attempt wait. */
interface Wait {
  until: number;
  /** "locked": the attempt was not even tried; "auth_failed": a wrong password. */
  code: ApiError["code"];
}

/**
 * The sign-in's one message. A wait is said once, with the seconds left
 * (the core's message carries a number that would go stale): a wrong
 * password keeps saying so when the wait is over, "too many attempts"
 * goes away.
 */
export function signInMessage(error: ApiError, wait: Wait | null, secondsLeft: number): FormMessage | null {
  if (wait === null) return { tone: "danger", text: sentence(error.message), testId: "unlock-error" };
  const what = wait.code === "locked" ? "Too many failed sign-ins." : "Wrong username or password.";
  if (secondsLeft <= 0) return wait.code === "locked" ? null : { tone: "danger", text: what, testId: "unlock-error" };
  return {
    tone: "danger",
    testId: "unlock-error",
    text: (
      <>
        {what} <span data-testid="unlock-countdown">Try again in {secondsLeft} s.</span>
      </>
    ),
  };
}

export function Unlock({ status, notice, onUnlocked, onOpenOther }: UnlockProps) {
  const remembered = status.remembered_user;
  const [username, setUsername] = useState(remembered ?? "");
  const [password, setPassword] = useState("");
  const [deviceRemembered, setDeviceRemembered] = useState(status.device_remembered && remembered !== null);
  const [remember, setRemember] = useState(deviceRemembered);
  const [missing, setMissing] = useState(false);
  const [wait, setWait] = useState<Wait | null>(null);
  const secondsLeft = useCountdown(wait?.until ?? null);
  const waiting = secondsLeft > 0;
  /** The device remembers whoever is typed in the form. */
  const deviceIsFor = (name: string) => deviceRemembered && remembered !== null && name.toLowerCase() === remembered.toLowerCase();

  const signIn = useMutation({
    mutationFn: async (v: { username: string; password: string; remember: boolean }) => {
      const known = deviceIsFor(v.username);
      // Already remembered: keep that key rather than replace it.
      const result = await unlock(v.username, v.password, v.remember && !known);
      // Unchecked while remembered: the device forgets this user now.
      if (!v.remember && known) await forgetDevice(v.username).catch(() => false);
      return result;
    },
    onSuccess: (result) => {
      setPassword("");
      onUnlocked(result.session, result.remember_error);
    },
    onError: (e) => {
      setPassword("");
      setWait(e.retry_after_secs !== null && e.retry_after_secs > 0 ? { until: Date.now() + e.retry_after_secs * 1000, code: e.code } : null);
    },
  });
  const device = useMutation({
    mutationFn: () => unlockWithDevice(remembered ?? ""),
    onSuccess: (s) => {
      if (s) onUnlocked(s, null);
      else {
        setDeviceRemembered(false);
        setRemember(false);
      }
    },
    // The core forgot a key that no longer works.
    onError: () => {
      setDeviceRemembered(false);
      setRemember(false);
    },
  });
  const forget = useMutation({
    mutationFn: forgetDevice,
    onSuccess: () => {
      setDeviceRemembered(false);
      setRemember(false);
    },
  });
  const busy = signIn.isPending || device.isPending;

  function resetMessages() {
    setMissing(false);
    signIn.reset();
    device.reset();
    forget.reset();
  }

  const message: FormMessage | null = missing
    ? { tone: "danger", text: "Enter your username and password.", testId: "unlock-error" }
    : signIn.error
      ? signInMessage(signIn.error, wait, secondsLeft)
      : device.error
        ? { tone: "danger", text: `${sentence(device.error.message)} Sign in with your password.`, testId: "unlock-error" }
        : device.data === null
          ? { tone: "info", text: "This device no longer remembers you: sign in with your password.", testId: "unlock-info" }
          : forget.error
            ? { tone: "danger", text: sentence(forget.error.message), testId: "unlock-error" }
            : forget.isSuccess
              ? { tone: "info", text: forget.data ? "This device no longer remembers you." : "This device did not remember you.", testId: "unlock-info" }
              : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || waiting) return;
    const empty = username.trim() === "" || password === "";
    resetMessages();
    setMissing(empty);
    if (!empty) signIn.mutate({ username: username.trim(), password, remember });
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
        <Btn type="submit" variant="primary" testId="unlock-submit" isDisabled={busy || waiting} className="btn-block">
          {signIn.isPending ? "Unlocking…" : "Unlock"}
        </Btn>
        <MessageSlot message={message} testId="unlock-message" />
      </Form>
      {deviceRemembered && (
        <div className="stack auth-device">
          <div className="auth-or">or, without typing your password</div>
          <Btn
            variant="secondary"
            icon={<KeyRound size={16} />}
            onPress={() => {
              resetMessages();
              device.mutate();
            }}
            isDisabled={busy}
            testId="unlock-device"
            className="btn-block"
          >
            {device.isPending ? "Unlocking…" : `Unlock with this device`}
          </Btn>
          <p className="auth-alternative">
            This device remembers {remembered}.
            <Btn
              variant="ghost"
              className="btn-link"
              onPress={() => {
                resetMessages();
                forget.mutate(remembered ?? "");
              }}
              isDisabled={busy}
              testId="forget-device"
            >
              Forget this device
            </Btn>
          </p>
        </div>
      )}
      {onOpenOther && (
        <p className="auth-alternative">
          <Btn variant="ghost" className="btn-link" onPress={onOpenOther} isDisabled={busy} testId="unlock-open-other">
            Open a team vault or another file…
          </Btn>
        </p>
      )}
    </AuthLayout>
  );
}
