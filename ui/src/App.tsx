/**
 * Which screen to show: first run, unlock, forced password change, or the
 * unlocked app, driven by `app_status`, the session, and events from the
 * Rust side (auto-lock). Locking from anywhere (button, Ctrl+L, idle)
 * unmounts the unlocked app, which drops every revealed value with it, and
 * empties the query cache, so the next user starts from nothing.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import { appStatus, lock, onSessionLost, session as fetchSession, signOut, subscribe, toApiError, unlockWithDevice, vaultLocations } from "./api";
import type { AppStatus } from "./bindings/AppStatus";
import type { KdfProfile } from "./bindings/KdfProfile";
import type { SessionInfo } from "./bindings/SessionInfo";
import { Banner } from "./components/Banner";
import { Btn } from "./components/controls";
import { OfflineBanner } from "./components/OfflineBanner";
import { toast, Toasts } from "./components/toasts";
import { useActivityTouch } from "./hooks/useActivityTouch";
import { useShortcut } from "./hooks/useShortcut";
import { mark } from "./lib/startup";
import { secretsQuery } from "./queries";
import { reportImportProgress } from "./lib/importProgress";
import { setOnline, setVaultOnServer } from "./lib/connection";
import { sentence } from "./lib/text";
import { ForcedPasswordChange } from "./screens/ChangePassword";
import { FirstRun } from "./screens/FirstRun";
import { MainScreen } from "./screens/MainScreen";
import { OpenVaultDialog } from "./screens/team/OpenVault";
import { Unlock } from "./screens/Unlock";

type Screen =
  | { kind: "loading" }
  | { kind: "fatal"; message: string; offline: boolean }
  | { kind: "first-run"; status: AppStatus }
  | { kind: "unlock"; status: AppStatus; notice: string | null }
  | { kind: "change-password"; session: SessionInfo }
  | { kind: "main"; session: SessionInfo };

/** What to show when the vault cannot be opened: a server that does not answer is "offline", not broken. */
async function fatal(e: unknown): Promise<Screen> {
  const err = toApiError(e);
  const onServer = err.code === "io" && (await vaultLocations().then((l) => l.current.on_server).catch(() => false));
  setVaultOnServer(onServer);
  return { kind: "fatal", message: sentence(err.message), offline: onServer };
}

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
      setScreen(await fatal(e));
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
      setScreen(await fatal(e));
    }
  }, [enter]);

  useEffect(() => {
    void start();
    subscribe((event) => {
      if (event.kind === "auto_locked") void toUnlock("Locked after a period without activity.");
      else if (event.kind === "clipboard_cleared") toast("Clipboard cleared", { tone: "info", timeout: 3000 });
      else if (event.kind === "import_progress") reportImportProgress(event);
      // A teammate changed the vault on its server: fetch what is shown again.
      else if (event.kind === "vault_changed") void client.invalidateQueries();
      else if (event.kind === "connection") {
        setOnline(event.online);
        if (event.online) void client.invalidateQueries();
      }
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
  }, [start, toUnlock, client]);
  const [openVaultOpen, setOpenVaultOpen] = useState(false);
  const switched = useCallback(() => {
    setOpenVaultOpen(false);
    setOnline(true);
    client.clear();
    void start();
  }, [client, start]);

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
      {screen.kind !== "fatal" && <OfflineBanner />}
      {screen.kind === "fatal" && (
        <main className="auth">
          <div className="auth-card stack">
            <Banner
              tone={screen.offline ? "warning" : "danger"}
              title={screen.offline ? "Offline: the vault's server is not answering" : "Coffer cannot open the vault"}
              live="assertive"
              testId={screen.offline ? "offline-screen" : "fatal-error"}
            >
              {screen.message}
            </Banner>
            <Btn variant="primary" onPress={() => void start()} testId="fatal-retry">
              {screen.offline ? "Retry" : "Try again"}
            </Btn>
            <Btn variant="ghost" onPress={() => setOpenVaultOpen(true)} testId="fatal-open-vault">
              Open another vault…
            </Btn>
          </div>
        </main>
      )}
      {openVaultOpen && <OpenVaultDialog onClose={() => setOpenVaultOpen(false)} onOpened={switched} />}
      {screen.kind === "first-run" && <FirstRun vaultPath={screen.status.vault_path} onCreated={onSession} onOpened={switched} />}
      {screen.kind === "unlock" && (
        <Unlock
          key={screen.notice ?? "unlock"}
          status={screen.status}
          notice={screen.notice}
          onOpenOther={() => setOpenVaultOpen(true)}
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
      {screen.kind === "main" && <MainScreen session={screen.session} onLock={() => void doLock()} onSignOut={() => void doSignOut()} onVaultSwitched={switched} />}
      <Toasts />
    </div>
  );
}
