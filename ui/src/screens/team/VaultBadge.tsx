/** The header's name of the open vault: short, with the full location in its tooltip. */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";

import { setVaultOnServer } from "../../lib/connection";
import { PlaceIcon, vaultLocationsQuery } from "./OpenVault";

export function VaultBadge() {
  const { data } = useQuery(vaultLocationsQuery);
  const place = data?.current;
  useEffect(() => {
    if (place) setVaultOnServer(place.on_server);
  }, [place]);
  if (!place) return null;
  // "team @ db.example.com": the host is dropped first when space is short.
  const [name, host] = place.on_server && place.short_name.includes(" @ ") ? place.short_name.split(" @ ", 2) : [place.short_name, null];
  const kind = place.on_server ? "Team vault on a server" : "Vault file";
  return (
    <span className="vault-badge" data-testid="vault-name" data-on-server={place.on_server} title={`${kind}: ${place.location}`} aria-label={`${kind}: ${place.location}`} role="note">
      <PlaceIcon place={place} size={14} />
      <span className="vault-badge-text">
        {name}
        {host && <span className="vault-badge-host"> @ {host}</span>}
      </span>
    </span>
  );
}
