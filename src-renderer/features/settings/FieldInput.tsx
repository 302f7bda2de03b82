import type { ConfigField } from '../../../src-shared/config.js';
import type { RawValue } from './form-model.js';

interface FieldInputProps {
  field: ConfigField;
  value: RawValue;
  locked: boolean;
  invalid: boolean;
  onChange(raw: RawValue): void;
}

/** One input per field type; `data-testid="field-<path>"` is on the control itself. */
export function FieldInput({ field, value, locked, invalid, onChange }: FieldInputProps) {
  const common = {
    id: `input-${field.path}`,
    'data-testid': `field-${field.path}`,
    disabled: locked,
    'aria-invalid': invalid || undefined,
    'aria-describedby': `help-${field.path}`,
  };
  switch (field.type) {
    case 'boolean':
      return (
        <label className="switch">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">{value === true ? 'On' : 'Off'}</span>
        </label>
      );
    case 'enum':
      return (
        <select {...common} className="input" value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {(field.options ?? []).map((o) => (
            <option key={o} value={o}>{o}</option>
          ))}
        </select>
      );
    case 'integer':
    case 'number':
      return (
        <input
          {...common}
          className="input input-number"
          type="number"
          inputMode={field.type === 'integer' ? 'numeric' : 'decimal'}
          step={field.type === 'integer' ? 1 : 'any'}
          min={field.min}
          max={field.max}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    default:
      return <input {...common} className="input" type="text" spellCheck={false} value={String(value)} onChange={(e) => onChange(e.target.value)} />;
  }
}

interface SecretInputProps {
  field: ConfigField;
  /** What is typed; the saved hint while untouched; '' once removed. */
  value: string;
  /** The saved value as the host shows it: its hint (…abcd), or '' when unset. */
  current: string;
  locked: boolean;
  invalid: boolean;
  onChange(raw: RawValue): void;
}

/**
 * A credential (a config field marked secret): the host never sends it back, only its hint, so the
 * input starts empty and says whether one is set. Typing replaces it; emptying the input again leaves
 * it as it was; Remove clears it on save.
 */
export function SecretInput({ field, value, current, locked, invalid, onChange }: SecretInputProps) {
  const untouched = value === current;
  const removed = value === '' && current !== '';
  const placeholder = removed ? 'Removed when you save' : current !== '' ? `Set (${current}): type to replace` : 'Not set';
  return (
    <div className="secret-input">
      <input
        id={`input-${field.path}`}
        data-testid={`field-${field.path}`}
        disabled={locked}
        aria-invalid={invalid || undefined}
        aria-describedby={`help-${field.path}`}
        className="input"
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        placeholder={placeholder}
        value={untouched || removed ? '' : value}
        onChange={(e) => onChange(e.target.value === '' ? current : e.target.value)}
      />
      {current !== '' && !removed && !locked && (
        <button type="button" className="button ghost small-button" data-testid={`field-remove-${field.path}`} onClick={() => onChange('')}>
          Remove
        </button>
      )}
    </div>
  );
}
