/**
 * Shown while the open vault's server does not answer: what that means,
 * and Retry. The Rust side retries by itself too (and says when the
 * server answers again), so the banner also goes away on its own.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { WifiOff } from "lucide-react";

import { reconnect } from "../api";
import { setOnline, useOnline } from "../lib/connection";
import { sentence } from "../lib/text";
import { Btn } from "./controls";

export function OfflineBanner() {
  const online = useOnline();
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: reconnect,
    onSuccess: () => {
      setOnline(true);
      void client.invalidateQueries();
    },
  });
  if (online) return null;
  return (
    <div className="offline-banner" role="alert" data-testid="offline-banner">
      <WifiOff size={18} aria-hidden="true" className="offline-icon" />
      <div className="offline-text">
        <strong>Offline: the vault's server is not answering.</strong>{" "}
        <span>Nothing can be loaded or saved until it answers again; Coffer keeps trying.</span>
        {retry.error && (
          <span className="offline-detail" data-testid="offline-detail">
            {" "}
            {sentence(retry.error.message)}
          </span>
        )}
      </div>
      <Btn variant="secondary" onPress={() => retry.mutate()} isDisabled={retry.isPending} testId="offline-retry">
        {retry.isPending ? "Trying…" : "Retry"}
      </Btn>
    </div>
  );
}
