/**
 * Which screen to show: first run, unlock, forced password change, or the
 * unlocked app, driven by `app_status`, the session, and events from the
 * Rust side (auto-lock). Locking from anywhere (button, Ctrl+L, idle)
 * unmounts the unlocked app, which drops every revealed value with it, and
 * empties the query cache, so the next user starts from nothing.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import { appStatus, lock, onSessionLost, session as fetchSession, signOut, subscribe, toApiError, unlockWithDevice } from "./api";
import type { AppStatus } from "./bindings/AppStatus";
import type { KdfProfile } from "./bindings/KdfProfile";
import type { SessionInfo } from "./bindings/SessionInfo";
import { Banner } from "./components/Banner";
import { Btn } from "./components/controls";
import { toast, Toasts } from "./components/toasts";
import { useActivityTouch } from "./hooks/useActivityTouch";
import { useShortcut } from "./hooks/useShortcut";
import { mark } from "./lib/startup";
import { secretsQuery } from "./queries";
import { reportImportProgress } from "./lib/importProgress";
import { sentence } from "./lib/text";
import { ForcedPasswordChange } from "./screens/ChangePassword";
import { FirstRun } from "./screens/FirstRun";
import { MainScreen } from "./screens/MainScreen";
import { Unlock } from "./screens/Unlock";

type Screen =
  | { kind: "loading" }
  | { kind: "fatal"; message: string }
  | { kind: "first-run"; status: AppStatus }
  | { kind: "unlock"; status: AppStatus; notice: string | null }
  | { kind: "change-password"; session: SessionInfo }
  | { kind: "main"; session: SessionInfo };

function screenFor(session: SessionInfo): Screen {
  return session.user.must_change_password ? { kind: "change-password", session } : { kind: "main", session };
}

export function App({ firstStatus }: { firstStatus?: Promise<AppStatus> } = {}) {
  const client = useQueryClient();
  // The status main.tsx asked for before the first render, used once.
  const early = useRef(firstStatus);
  const [screen, setScreen] = useState<Screen>({ kind: "loading" });
  // The secrets list is asked for as soon as the session exists, so the
  // request runs while the main screen renders instead of after it.
  const enter = useCallback(
    (session: SessionInfo): Screen => {
      if (!session.user.must_change_password) void client.prefetchQuery(secretsQuery);
      return screenFor(session);
    },
    [client],
  );
  const [kdfProfile, setKdfProfile] = useState<KdfProfile | null>(null);

  const toUnlock = useCallback(async (notice: string | null) => {
    try {
      const status = await appStatus();
      setKdfProfile(status.kdf_profile);
      setScreen(status.vault_exists ? { kind: "unlock", status, notice } : { kind: "first-run", status });
    } catch (e) {
      setScreen({ kind: "fatal", message: sentence(toApiError(e).message) });
    }
  }, []);

  const start = useCallback(async () => {
    setScreen({ kind: "loading" });
    try {
      const pending = early.current;
      early.current = undefined;
      const status = await (pending ?? appStatus());
      mark("coffer:status");
      setKdfProfile(status.kdf_profile);
      if (!status.vault_exists) {
        setScreen({ kind: "first-run", status });
        return;
      }
      if (status.unlocked) {
        setScreen(enter(await fetchSession()));
        return;
      }
      let notice: string | null = null;
      let shown = status;
      // After a Lock (or an idle lock) the device waits to be asked.
      if (status.remembered_user && status.device_remembered && !status.locked_by_user) {
        try {
          const s = await unlockWithDevice(status.remembered_user);
          if (s) {
            mark("coffer:unlocked");
            setScreen(enter(s));
            return;
          }
        } catch (e) {
          notice = `Could not unlock with this device's key: ${sentence(toApiError(e).message)} Sign in with your password.`;
        }
        // Nothing usable was remembered (a key that fails is forgotten).
        shown = { ...status, device_remembered: false };
      }
      setScreen({ kind: "unlock", status: shown, notice });
    } catch (e) {
      setScreen({ kind: "fatal", message: sentence(toApiError(e).message) });
    }
  }, [enter]);

  useEffect(() => {
    void start();
    subscribe((event) => {
      if (event.kind === "auto_locked") void toUnlock("Locked after a period without activity.");
      else if (event.kind === "clipboard_cleared") toast("Clipboard cleared", { tone: "info", timeout: 3000 });
      else if (event.kind === "import_progress") reportImportProgress(event);
    }).catch(() => {
      // Without events the idle lock still shows on the next command.
    });
    return onSessionLost((reason) => {
      if (reason === "locked") void toUnlock("The vault is locked. Sign in again.");
      else
        void fetchSession()
          .then((s) => setScreen(screenFor(s)))
          .catch(() => void toUnlock(null));
    });
  }, [start, toUnlock]);

  const unlocked = screen.kind === "main" || screen.kind === "change-password";
  useEffect(() => {
    if (!unlocked) client.clear();
  }, [unlocked, client]);
  const doLock = useCallback(async () => {
    try {
      await lock();
    } finally {
      await toUnlock(null);
    }
  }, [toUnlock]);
  const doSignOut = useCallback(async () => {
    try {
      await signOut();
    } finally {
      await toUnlock(null);
    }
  }, [toUnlock]);
  useShortcut("l", () => void doLock(), unlocked, true);
  useActivityTouch(unlocked);

  const onSession = (s: SessionInfo) => {
    setKdfProfile(s.kdf_profile);
    setScreen(enter(s));
  };

  return (
    <div className="root">
      {kdfProfile === "insecure-test" && (
        <div className="test-vault-banner" role="alert" data-testid="insecure-kdf-banner">
          Test vault: weak password hashing. Never keep real secrets in it.
        </div>
      )}
      {screen.kind === "loading" && <div className="splash" aria-busy="true" aria-label="Loading" />}
      {screen.kind === "fatal" && (
        <main className="auth">
          <div className="auth-card stack">
            <Banner tone="danger" title="Coffer cannot open the vault" live="assertive" testId="fatal-error">
              {screen.message}
            </Banner>
            <Btn variant="primary" onPress={() => void start()}>
              Try again
            </Btn>
          </div>
        </main>
      )}
      {screen.kind === "first-run" && <FirstRun vaultPath={screen.status.vault_path} onCreated={onSession} onOpened={() => void start()} />}
      {screen.kind === "unlock" && (
        <Unlock
          key={screen.notice ?? "unlock"}
          status={screen.status}
          notice={screen.notice}
          onUnlocked={(s, rememberError) => {
            if (rememberError) toast("This device could not be remembered", { tone: "error", description: sentence(rememberError), timeout: 8000 });
            onSession(s);
          }}
        />
      )}
      {screen.kind === "change-password" && (
        <ForcedPasswordChange
          user={screen.session.user}
          onLock={() => void doLock()}
          onDone={() => {
            toast("Password changed");
            void fetchSession()
              .then(onSession)
              .catch(() => void toUnlock(null));
          }}
        />
      )}
      {screen.kind === "main" && <MainScreen session={screen.session} onLock={() => void doLock()} onSignOut={() => void doSignOut()} />}
      <Toasts />
    </div>
  );
}
