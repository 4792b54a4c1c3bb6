/** The frame of an admin screen: a titled section with a one-line summary. */
import type { ReactNode } from "react";

export function AdminView(p: { id: string; title: string; summary: string; actions?: ReactNode; children: ReactNode }) {
  const titleId = `${p.id}-title`;
  return (
    <section className="admin-view" aria-labelledby={titleId}>
      <div className="view-header">
        <div>
          <h1 id={titleId}>{p.title}</h1>
          <p className="muted">{p.summary}</p>
        </div>
        {p.actions}
      </div>
      {p.children}
    </section>
  );
}
