/**
 * Opening another vault: a file, or a team vault on a PostgreSQL server
 * (`postgres://USER@HOST[:PORT]/DB`). Opening is the connection test: the
 * core's refusal (unreachable, no vault there, password missing) is shown
 * as it says it. Vaults opened lately are one click away.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Database, HardDrive } from "lucide-react";
import { useState, type FormEvent } from "react";
import { Button, Form } from "react-aria-components";

import { openVault, vaultLocations } from "../../api";
import type { VaultPlace } from "../../bindings/VaultPlace";
import { AppDialog } from "../../components/AppDialog";
import { MessageSlot, type FormMessage } from "../../components/Banner";
import { Btn, TextInput } from "../../components/controls";
import { sentence } from "../../lib/text";

export const vaultLocationsQuery = { queryKey: ["vault-locations"], queryFn: vaultLocations };

export function PlaceIcon({ place, size = 15 }: { place: VaultPlace; size?: number }) {
  return place.on_server ? <Database size={size} aria-hidden="true" /> : <HardDrive size={size} aria-hidden="true" />;
}

/** The form, for the first-run screen and the dialog alike. */
export function OpenVaultForm({ onOpened, autoFocus = true }: { onOpened: () => void; autoFocus?: boolean }) {
  const [location, setLocation] = useState("");
  const places = useQuery(vaultLocationsQuery);
  const open = useMutation({ mutationFn: openVault, onSuccess: onOpened });
  const busy = open.isPending;
  const current = places.data?.current.location;
  const recent = (places.data?.recent ?? []).filter((p) => p.location !== current);
  const trimmed = location.trim();
  const message: FormMessage | null = open.error
    ? { tone: "danger", text: sentence(open.error.message), testId: "open-vault-error" }
    : busy
      ? { tone: "info", text: "Connecting… (a server that does not answer is given up on after 3 seconds)", testId: "open-vault-busy" }
      : trimmed === ""
        ? { tone: "hint", text: "Enter the path of a vault file or the URL of a team vault.", testId: "open-vault-hint" }
        : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || trimmed === "") return;
    open.mutate(trimmed);
  }

  return (
    <div className="stack">
      <Form className="stack" onSubmit={submit} validationBehavior="aria">
        <TextInput
          label="Vault file or team vault URL"
          value={location}
          onChange={(v) => {
            setLocation(v);
            open.reset();
          }}
          testId="open-vault-path"
          autoFocus={autoFocus}
          placeholder="postgres://ana@db.example.com/team"
          description="A team vault: postgres://USER@HOST[:PORT]/DATABASE (the database password comes from PGPASSWORD, ~/.pgpass or the keyring, never the URL). A file: its full path."
        />
        <Btn type="submit" variant="primary" testId="open-vault-submit" className="btn-block" isDisabled={busy || trimmed === ""}>
          {busy ? "Connecting…" : "Open vault"}
        </Btn>
        <MessageSlot message={message} testId="open-vault-message" />
      </Form>
      {recent.length > 0 && (
        <section aria-labelledby="recent-vaults-title" className="recent-vaults">
          <h3 id="recent-vaults-title" className="recent-vaults-title">
            Recent vaults
          </h3>
          <ul className="recent-vaults-list" data-testid="recent-vaults">
            {recent.map((p) => (
              <li key={p.location}>
                <Button
                  className="recent-vault"
                  data-testid="recent-vault"
                  isDisabled={busy}
                  aria-label={`Open ${p.location}`}
                  onPress={() => {
                    setLocation(p.location);
                    open.mutate(p.location);
                  }}
                >
                  <PlaceIcon place={p} />
                  <span className="recent-vault-text">
                    <span className="recent-vault-name">{p.short_name}</span>
                    <span className="recent-vault-location" title={p.location}>
                      {p.location}
                    </span>
                  </span>
                </Button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** "Open a team vault…" from the account menu or the offline screen. */
export function OpenVaultDialog({ onClose, onOpened }: { onClose: () => void; onOpened: () => void }) {
  return (
    <AppDialog isOpen onClose={onClose} title="Open a team vault or another file" size="medium" testId="open-vault-dialog" isDismissable={false}>
      <p className="muted">The vault open now is locked first. Coffer opens the one you choose at the next start too.</p>
      <OpenVaultForm onOpened={onOpened} />
    </AppDialog>
  );
}
