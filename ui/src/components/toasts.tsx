/**
 * Transient notifications ("Copied password — clears in 30 s", "Clipboard
 * cleared"). React Aria's toast region: announced to screen readers,
 * reachable with F6, dismissible.
 */
import { CheckCircle2, Info, X, XCircle } from "lucide-react";
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
                  toastQueue.close(t.key);
                }}
              >
                {t.content.action.label}
              </Button>
            )}
            <Button slot="close" className="icon-btn icon-btn-default" aria-label="Dismiss">
              <X size={16} />
            </Button>
          </Toast>
        );
      }}
    </ToastRegion>
  );
}
