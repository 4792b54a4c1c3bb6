import { QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { appStatus } from "./api";
import { App } from "./App";
import { createQueryClient } from "./queries";
import "./styles/theme.css";
import "./styles/base.css";
import "./styles/controls.css";
import "./styles/layout.css";
import "./styles/table.css";
import "./styles/secrets.css";
import "./styles/team.css";

// React Aria's usePress injects a <style> (touch-action for pressables)
// unless an element with this id exists. The CSP blocks injected styles,
// so base.css carries the rule and this marker stops the attempt.
const PRESSABLE_STYLE_ID = "react-aria-pressable-style";
if (!document.getElementById(PRESSABLE_STYLE_ID)) {
  const marker = document.createElement("meta");
  marker.id = PRESSABLE_STYLE_ID;
  document.head.append(marker);
}

const root = document.getElementById("root");
if (root) {
  // Asked before React's first render, which it would otherwise wait for.
  const firstStatus = appStatus();
  // A failure is App's to show; until it looks, it is not unhandled.
  firstStatus.catch(() => undefined);
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createQueryClient()}>
        <App firstStatus={firstStatus} />
      </QueryClientProvider>
    </StrictMode>,
  );
}
