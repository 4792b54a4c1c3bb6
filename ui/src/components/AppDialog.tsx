/**
 * The one modal dialog used everywhere: React Aria's Modal + Dialog, so
 * focus is trapped and restored, Esc closes it, and the title names it.
 */
import { X } from "lucide-react";
import type { ReactNode } from "react";
import { Dialog, Heading, Modal, ModalOverlay } from "react-aria-components";

import { MessageSlot, type FormMessage } from "./Banner";
import { IconButton } from "./controls";

export interface AppDialogProps {
  isOpen: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  size?: "small" | "medium" | "large";
  testId?: string;
  /** "alertdialog" for confirmations. */
  role?: "dialog" | "alertdialog";
  /** Keep open on outside clicks (forms with unsaved input). */
  isDismissable?: boolean;
  /**
   * Children render their own `.dialog-body` and `.dialog-footer`. Lets a
   * form keep its state below the Dialog, so typing does not re-render the
   * Dialog (whose contexts would re-render every button inside it).
   */
  raw?: boolean;
  /**
   * The dialog's one message (a refusal, why its button is disabled), in a
   * place kept for it between the body and the footer, outside the body's
   * scrolling: always in view, and appearing moves no button. Leave it
   * undefined for dialogs that never have one.
   */
  message?: FormMessage | null;
  messageTestId?: string;
}

/** The message place of a dialog (raw dialogs render it themselves, above their footer). */
export function DialogMessage({ message, testId }: { message: FormMessage | null; testId?: string | undefined }) {
  return (
    <div className="dialog-message">
      <MessageSlot message={message} {...(testId ? { testId } : {})} />
    </div>
  );
}

export function AppDialog({
  isOpen,
  onClose,
  title,
  children,
  footer,
  size = "medium",
  testId,
  role = "dialog",
  isDismissable = true,
  raw = false,
  message,
  messageTestId,
}: AppDialogProps) {
  return (
    <ModalOverlay
      className="modal-overlay"
      isOpen={isOpen}
      onOpenChange={(open) => !open && onClose()}
      isDismissable={isDismissable}
    >
      <Modal className={`modal modal-${size}`}>
        <Dialog className="dialog" role={role} data-testid={testId}>
          <header className="dialog-header">
            <Heading slot="title" className="dialog-title">
              {title}
            </Heading>
            <IconButton label="Close" icon={<X size={18} />} onPress={onClose} testId="dialog-close" tooltip={false} />
          </header>
          {raw ? children : <div className="dialog-body">{children}</div>}
          {message !== undefined && <DialogMessage message={message} testId={messageTestId} />}
          {footer && <footer className="dialog-footer">{footer}</footer>}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
