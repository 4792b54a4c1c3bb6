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

/** An inline error below a form, from a backend rejection. */
export function FormError({ message, testId = "form-error" }: { message: string | null; testId?: string }) {
  if (!message) return null;
  return (
    <Banner tone="danger" testId={testId} live="assertive">
      {message}
    </Banner>
  );
}
