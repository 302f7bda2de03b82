import { useEffect, useRef, type ReactNode } from 'react';
import { Icon } from './Icon.js';

interface ModalProps {
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  wide?: boolean;
  onClose(): void;
}

/** A centred dialog over a dimmed page; Escape and the close button call onClose. */
export function Modal({ title, children, footer, testId, wide, onClose }: ModalProps) {
  const panel = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close.current();
    };
    window.addEventListener('keydown', onKey);
    panel.current?.querySelector<HTMLElement>('[data-autofocus], button.primary')?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop">
      <div ref={panel} className={`modal ${wide ? 'modal-wide' : ''}`} role="dialog" aria-modal="true" data-testid={testId}>
        <header className="modal-header">
          <h2>{title}</h2>
          <button className="icon-button" aria-label="Close" onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </div>
  );
}
