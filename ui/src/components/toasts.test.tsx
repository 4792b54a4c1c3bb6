/**
 * Toasts never take the focus from someone typing elsewhere. After a toast's
 * own button (Undo, Dismiss) is pressed, the next toast to leave must not pull
 * the focus into the region: the region's record of a focused toast has to
 * end with that toast (a removed element fires no blur of its own).
 */
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, expect, it, vi } from "vitest";

import { toast, toastQueue, Toasts } from "./toasts";

afterEach(() => {
  for (const t of [...toastQueue.visibleToasts]) toastQueue.close(t.key);
});

function Page() {
  return (
    <>
      <button type="button">Deactivate</button>
      <input data-testid="field" aria-label="Field" />
      <Toasts />
    </>
  );
}

for (const control of ["Undo", "Dismiss"] as const) {
  it(`after ${control} on a toast, a later toast leaving keeps the focus where the user types`, async () => {
    const user = userEvent.setup();
    render(<Page />);
    const undo = vi.fn();
    act(() => {
      toast("Removed usage", { timeout: 0 });
      toast("Deactivated TLS_CERT", { timeout: 0, action: { label: "Undo", onAction: undo } });
    });
    // Focus starts on a control outside the region (where a dialog put it back).
    await user.click(screen.getByRole("button", { name: "Deactivate" }));
    const target = control === "Undo" ? screen.getByRole("button", { name: "Undo" }) : screen.getAllByRole("button", { name: "Dismiss" })[0]!;
    await user.click(target);
    if (control === "Undo") expect(undo).toHaveBeenCalledOnce();
    expect(document.activeElement, "the focus went back where it was").toBe(screen.getByRole("button", { name: "Deactivate" }));
    expect(toastQueue.visibleToasts).toHaveLength(1);

    // The user goes on typing in a field outside the region...
    const field = screen.getByTestId("field");
    await user.click(field);
    await user.keyboard("ab");
    // ...while the remaining toast times out and a new one comes.
    act(() => {
      toastQueue.close(toastQueue.visibleToasts[0]!.key);
      toast("Clipboard cleared", { timeout: 0 });
    });
    expect(document.activeElement).toBe(field);
    await user.keyboard("cd");
    expect(field).toHaveValue("abcd");
  });
}
