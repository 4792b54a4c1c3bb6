/**
 * Transient notifications ("Copied password — clears in 30 s", "Clipboard
 * cleared"). React Aria's toast region: announced to screen readers,
 * reachable with F6, dismissible.
 */
import { CheckCircle2, Info, X, XCircle } from "lucide-react";
import { useEffect, useRef } from "react";
import {
  Button,
  Text,
  UNSTABLE_Toast as Toast,
  UNSTABLE_ToastContent as ToastContent,
  UNSTABLE_ToastQueue as ToastQueue,
  UNSTABLE_ToastRegion as ToastRegion,
} from "react-aria-components";

export interface ToastMessage {
  title: string;
  description?: string;
  tone: "success" | "info" | "error";
  /** One button, e.g. Undo; pressing it also dismisses the toast. */
  action?: { label: string; onAction: () => void };
}

export const toastQueue = new ToastQueue<ToastMessage>({ maxVisibleToasts: 4 });

export function toast(
  title: string,
  opts: { description?: string; tone?: ToastMessage["tone"]; timeout?: number; action?: ToastMessage["action"] } = {},
) {
  const message: ToastMessage = { title, tone: opts.tone ?? "success" };
  if (opts.description !== undefined) message.description = opts.description;
  if (opts.action !== undefined) message.action = opts.action;
  return toastQueue.add(message, { timeout: opts.timeout ?? 5000 });
}

export function Toasts() {
  // The element that had the focus before it went into the region.
  const before = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const track = (e: FocusEvent) => {
      if (e.target instanceof HTMLElement && !e.target.closest(".toast-region")) before.current = e.target;
    };
    document.addEventListener("focusin", track);
    return () => document.removeEventListener("focusin", track);
  }, []);

  // Closes a toast from one of its own buttons. The focus leaves the toast
  // first, while it is still in the page: a removed element fires no blur, and
  // React Aria's region would go on believing a toast has the focus, then pull
  // the focus into the region the next time a toast leaves, in the middle of
  // whatever the user is typing.
  const close = (key: string) => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.closest(".toast-region")) {
      if (before.current?.isConnected) before.current.focus({ preventScroll: true });
      else active.blur();
    }
    toastQueue.close(key);
  };

  return (
    <ToastRegion queue={toastQueue} className="toast-region">
      {({ toast: t }) => {
        const Icon = t.content.tone === "error" ? XCircle : t.content.tone === "info" ? Info : CheckCircle2;
        return (
          <Toast toast={t} className={`toast toast-${t.content.tone}`} data-testid="toast">
            <Icon size={18} className="toast-icon" aria-hidden="true" />
            <ToastContent className="toast-content">
              <Text slot="title" className="toast-title">
                {t.content.title}
              </Text>
              {t.content.description && (
                <Text slot="description" className="toast-description">
                  {t.content.description}
                </Text>
              )}
            </ToastContent>
            {t.content.action && (
              <Button
                className="btn btn-secondary toast-action"
                data-testid="toast-action"
                onPress={() => {
                  t.content.action?.onAction();
                  close(t.key);
                }}
              >
                {t.content.action.label}
              </Button>
            )}
            <Button className="icon-btn icon-btn-default" aria-label="Dismiss" onPress={() => close(t.key)}>
              <X size={16} />
            </Button>
          </Toast>
        );
      }}
    </ToastRegion>
  );
}
