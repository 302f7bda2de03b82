import type { ReactNode } from 'react';
import { Modal } from './Modal.js';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/** Asks before something that cannot be undone; `confirm-yes` / `confirm-no` for tests. */
export function ConfirmDialog({ title, children, confirmLabel, danger, busy, onConfirm, onCancel }: ConfirmDialogProps) {
  return (
    <Modal
      title={title}
      testId="confirm-dialog"
      onClose={onCancel}
      footer={
        <>
          <button className="button ghost" data-testid="confirm-no" data-autofocus={danger ? true : undefined} onClick={onCancel}>
            Cancel
          </button>
          <button className={`button primary ${danger ? 'danger' : ''}`} data-testid="confirm-yes" disabled={busy} onClick={onConfirm}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      {children}
    </Modal>
  );
}
