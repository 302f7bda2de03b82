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
