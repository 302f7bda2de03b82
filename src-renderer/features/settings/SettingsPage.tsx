import { useEffect, useMemo } from 'react';
import { getAtPath } from '../../../src-shared/config.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { FieldRow } from './FieldRow.js';
import { changedValues, sectionsOf, toRaw, validateEdits } from './form-model.js';
import { useSettings } from './store.js';

export function SettingsPage() {
  const { view, edits, serverErrors, saving, load, edit, reset, save } = useSettings();
  useEffect(() => {
    void load();
  }, [load]);

  const derived = useMemo(() => {
    if (!view) return null;
    return {
      sections: sectionsOf(view.fields),
      locked: new Map(view.envOverrides.map((o) => [o.path, o.env])),
      changed: changedValues(view.fields, view.config, edits),
      clientErrors: validateEdits(view.fields, view.config, edits),
    };
  }, [view, edits]);

  if (!view || !derived) return <p className="muted">Loading settings…</p>;
  const changedCount = Object.keys(derived.changed).length;

  return (
    <div className="settings">
      <div className="settings-bar">
        <div className="muted small">
          Saved to <code data-testid="config-file">{view.file}</code>
        </div>
        <div className="settings-actions">
          <span className="muted small" data-testid="settings-dirty-count">
            {changedCount === 0 ? 'No unsaved changes' : `${changedCount} unsaved change${changedCount === 1 ? '' : 's'}`}
          </span>
          <button className="button ghost" data-testid="settings-reset" disabled={saving || Object.keys(edits).length === 0} onClick={reset}>
            Reset
          </button>
          <button className="button primary" data-testid="settings-save" disabled={saving || changedCount === 0} onClick={() => void save()}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
      {view.restartPending.length > 0 && (
        <div className="notice notice-warn banner" data-testid="restart-banner" role="status">
          <Icon name="alert" />
          <span>
            Restart the host to apply:{' '}
            {view.restartPending.map((key, i) => (
              <span key={key}>
                {i > 0 && ', '}
                <code>{key}</code>
              </span>
            ))}
          </span>
        </div>
      )}
      {derived.sections.map((section) => (
        <Card key={section.id} title={section.title} testId={`settings-section-${section.id}`}>
          {section.fields.map((field) => (
            <FieldRow
              key={field.path}
              field={field}
              value={edits[field.path] ?? toRaw(field, getAtPath(view.config, field.path))}
              current={toRaw(field, getAtPath(view.config, field.path))}
              lockedBy={derived.locked.get(field.path)}
              error={derived.clientErrors[field.path] ?? serverErrors[field.path]}
              dirty={field.path in derived.changed}
              onChange={(raw) => edit(field.path, raw)}
            />
          ))}
        </Card>
      ))}
    </div>
  );
}
