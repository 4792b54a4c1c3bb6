/** A message strip: info, warning or danger, with an icon. */
import { AlertTriangle, Info, OctagonAlert } from "lucide-react";
import type { ReactNode } from "react";

export function Banner({
  tone = "info",
  children,
  testId,
  title,
  live = "polite",
}: {
  tone?: "info" | "warning" | "danger";
  children?: ReactNode;
  title?: ReactNode;
  testId?: string;
  live?: "polite" | "assertive" | "off";
}) {
  const Icon = tone === "danger" ? OctagonAlert : tone === "warning" ? AlertTriangle : Info;
  return (
    <div
      className={`banner banner-${tone}`}
      role={live === "assertive" ? "alert" : live === "polite" ? "status" : undefined}
      data-testid={testId}
    >
      <Icon size={18} className="banner-icon" aria-hidden="true" />
      <div className="banner-text">
        {title && <strong className="banner-title">{title}</strong>}
        {children && <div>{children}</div>}
      </div>
    </div>
  );
}

/** What a form has to say: one message at a time. */
export interface FormMessage {
  /** danger: refused; warning: wait; info: done; hint: why the button is disabled. */
  tone: "danger" | "warning" | "info" | "hint";
  text: ReactNode;
  testId?: string;
}

/**
 * The one place a form shows its message (a refusal, a wait, a result, or
 * why its button is disabled). It keeps two lines' height when empty, so a
 * message appearing moves nothing a click may be aimed at.
 */
export function MessageSlot({ message, testId }: { message: FormMessage | null; testId?: string }) {
  const Icon = message?.tone === "danger" ? OctagonAlert : message?.tone === "warning" ? AlertTriangle : Info;
  return (
    <div className="message-slot" data-testid={testId} aria-live="polite">
      {message && (
        <p
          className={`form-message form-message-${message.tone}`}
          role={message.tone === "danger" ? "alert" : undefined}
          data-testid={message.testId}
        >
          {message.tone !== "hint" && <Icon size={15} className="form-message-icon" aria-hidden="true" />}
          <span>{message.text}</span>
        </p>
      )}
    </div>
  );
}
