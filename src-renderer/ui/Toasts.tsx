import { Icon } from './Icon.js';
import { useToasts } from './toast-store.js';

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toasts" role="region" aria-label="Notifications" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid="toast" data-kind={t.kind} data-code={t.code}>
          <Icon name={t.kind === 'error' ? 'alert' : t.kind === 'success' ? 'check' : 'info'} />
          <div className="toast-body">
            <div className="toast-title" data-testid="toast-title">{t.title}</div>
            {t.message && <div className="toast-message">{t.message}</div>}
            {t.hint && <div className="toast-hint">{t.hint}</div>}
          </div>
          <button className="icon-button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            <Icon name="close" />
          </button>
        </div>
      ))}
    </div>
  );
}
