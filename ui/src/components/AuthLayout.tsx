/**
 * The card the sign-in screens share. It is centred when it appears (and
 * when the window is resized), then stays where it is while its content
 * changes: a centred card that grows by a message would move every
 * control in it, and a click aimed at one would land on another.
 */
import { KeyRound } from "lucide-react";
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";

/** The smallest gap above the card (var(--space-8)). */
const MIN_TOP = 32;

export function AuthLayout({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  const main = useRef<HTMLElement>(null);
  const card = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState<number | null>(null);
  useLayoutEffect(() => {
    const place = () => {
      if (!main.current || !card.current) return;
      setTop(Math.max(MIN_TOP, Math.floor((main.current.clientHeight - card.current.offsetHeight) / 2)));
    };
    place();
    window.addEventListener("resize", place);
    return () => window.removeEventListener("resize", place);
  }, []);
  return (
    <main className="auth" ref={main} style={top === null ? undefined : { paddingTop: top }}>
      <div className="auth-card" ref={card}>
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            <KeyRound size={22} />
          </span>
          <span className="brand-name">Coffer</span>
        </div>
        <h1 className="auth-title">{title}</h1>
        {subtitle && <p className="auth-subtitle">{subtitle}</p>}
        {children}
      </div>
    </main>
  );
}
