import type { ConfigField } from '../../../src-shared/config.js';
import { Icon } from '../../ui/Icon.js';
import { FieldInput, SecretInput } from './FieldInput.js';
import { labelOf, type RawValue } from './form-model.js';

interface FieldRowProps {
  field: ConfigField;
  value: RawValue;
  /** The saved value (a secret's hint). */
  current: RawValue;
  lockedBy: string | undefined;
  error: string | undefined;
  dirty: boolean;
  onChange(raw: RawValue): void;
}

function rangeOf(field: ConfigField): string | null {
  if (field.min !== undefined && field.max !== undefined) return `${field.min} – ${field.max}`;
  if (field.min !== undefined) return `at least ${field.min}`;
  if (field.max !== undefined) return `at most ${field.max}`;
  return null;
}

export function FieldRow({ field, value, current, lockedBy, error, dirty, onChange }: FieldRowProps) {
  const range = rangeOf(field);
  return (
    <div className={`field-row ${error ? 'has-error' : ''} ${dirty ? 'is-dirty' : ''}`} data-testid={`field-row-${field.path}`}>
      <div className="field-meta">
        <label className="field-label" htmlFor={`input-${field.path}`}>
          {labelOf(field.path)}
          {field.restart && <span className="badge badge-warn" title="Takes effect after the host restarts">restart</span>}
        </label>
        <p className="field-description" id={`help-${field.path}`}>{field.description}</p>
        <div className="field-keys">
          <code className="mono muted">{field.path}</code>
          <code className="env-name" data-testid={`field-env-${field.path}`} title="Environment variable that overrides this key">{field.env}</code>
        </div>
      </div>
      <div className="field-control">
        {field.secret ? (
          <SecretInput field={field} value={String(value)} current={String(current)} locked={lockedBy !== undefined} invalid={Boolean(error)} onChange={onChange} />
        ) : (
          <FieldInput field={field} value={value} locked={lockedBy !== undefined} invalid={Boolean(error)} onChange={onChange} />
        )}
        {range && <div className="field-hint">{range}{field.type === 'integer' ? ', whole number' : ''}</div>}
        {lockedBy && (
          <div className="field-locked" data-testid={`field-locked-${field.path}`}>
            <Icon name="lock" size={14} /> Set by <code>{lockedBy}</code> in the host's environment; change it there.
          </div>
        )}
        {error && (
          <div className="field-error" role="alert" data-testid={`field-error-${field.path}`}>
            {error}
          </div>
        )}
      </div>
    </div>
  );
}
