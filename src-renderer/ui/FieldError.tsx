import { capitalise } from './toast-store.js';

/** A form field's error from a map of field -> message (the host's, or the form's own check), or nothing. */
export function FieldError({ field, errors, testIdPrefix = 'field-error' }: { field: string; errors: Record<string, string>; testIdPrefix?: string }) {
  const message = errors[field];
  return message ? <div className="field-error" role="alert" data-testid={`${testIdPrefix}-${field}`}>{capitalise(message)}</div> : null;
}
