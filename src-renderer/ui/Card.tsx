import type { ReactNode } from 'react';

export function Card(props: { title: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string; className?: string }) {
  return (
    <section className={`card ${props.className ?? ''}`} data-testid={props.testId}>
      <header className="card-header">
        <h2>{props.title}</h2>
        {props.actions && <div className="card-actions">{props.actions}</div>}
      </header>
      <div className="card-body">{props.children}</div>
    </section>
  );
}
