import type { ReactNode } from 'react';
import { categoryChoices } from '../../../src-shared/podcast-categories.js';
import { FieldError } from '../../ui/FieldError.js';
import { categoryGroups } from './podcasts-model.js';

/** A labelled control with the host's (or the form's) error under it, else its hint. */
export function Field(props: { label: ReactNode; field: string; errors: Record<string, string>; errorPrefix: string; hint?: ReactNode; children: ReactNode; className?: string }) {
  const { label, field, errors, errorPrefix, hint, children, className } = props;
  return (
    <label className={`form-field ${className ?? ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {errors[field] ? <FieldError field={field} errors={errors} testIdPrefix={errorPrefix} /> : hint ? <span className="field-hint">{hint}</span> : null}
    </label>
  );
}

const GROUPS = categoryGroups(categoryChoices());

/** Apple Podcasts' categories, each parent and its subcategories (the list the host checks against). */
export function CategorySelect({ value, onChange, testId, invalid }: { value: string; onChange(value: string): void; testId: string; invalid?: boolean }) {
  return (
    <select className="input" data-testid={testId} value={value} aria-invalid={invalid ? true : undefined} onChange={(e) => onChange(e.target.value)}>
      {GROUPS.map((g) => (
        <optgroup key={g.parent} label={g.parent}>
          {g.options.map((o) => (
            <option key={o.value} value={o.value}>{o.label}</option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}

/** An on/off setting in the house's switch style. */
export function Switch({ checked, onChange, testId, children }: { checked: boolean; onChange(on: boolean): void; testId: string; children: ReactNode }) {
  return (
    <label className="switch">
      <input type="checkbox" data-testid={testId} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span className="switch-track" aria-hidden="true" />
      <span className="switch-text">{children}</span>
    </label>
  );
}
