import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Show, Subscriber } from '../../../src-shared/contract/index.js';
import { call, toClientError } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { CopyField } from '../../ui/CopyButton.js';
import { FieldError } from '../../ui/FieldError.js';
import { Icon } from '../../ui/Icon.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { absoluteUrl } from '../recordings/format.js';
import { errorsByField, relativeTime } from './podcasts-model.js';

const here = (path: string): string => absoluteUrl(path, window.location.href);

/** Where listeners subscribe: the public feed's URL, or for a private show each subscriber's own. */
export function FeedCard({ show }: { show: Show }) {
  if (show.private) return <Subscribers show={show} />;
  return (
    <Card title="Feed" testId="show-feed">
      {show.feed ? (
        <>
          <CopyField value={here(show.feed)} testId="show-feed-url" copyTestId="show-feed-copy" />
          <p className="field-hint podcast-feed-hint">
            Submit this URL to Apple Podcasts Connect, Spotify for Creators and the Podcast Index; listeners paste it into any podcast app.
            Episodes appear in it once published with their audio ready.
          </p>
          <a className="button small-button" href={here(show.feed)} target="_blank" rel="noreferrer" data-testid="show-feed-open">
            <Icon name="external" size={14} /> Open the feed
          </a>
        </>
      ) : (
        <p className="muted small">The host gives no public feed for this show.</p>
      )}
    </Card>
  );
}

function Subscribers({ show }: { show: Show }) {
  const [list, setList] = useState<Subscriber[] | null>(null);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<Subscriber | null>(null);

  const load = useCallback(
    () => call('podcasts.subscribers', { id: show.id }).then(setList, (err: unknown) => (setList([]), toastError(err))),
    [show.id],
  );
  useEffect(() => void load(), [load]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const sub = await call('podcasts.addSubscriber', { id: show.id, name });
      setList((l) => [...(l ?? []), sub]);
      setName('');
      setErrors({});
      toastSuccess('Subscriber added', `Send ${sub.name} their feed URL.`);
    } catch (err) {
      const error = toClientError(err);
      toastError(error);
      setErrors(errorsByField(error.fields));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (sub: Subscriber) => {
    setBusy(true);
    try {
      await call('podcasts.removeSubscriber', { id: show.id, subscriberId: sub.id });
      setList((l) => (l ?? []).filter((s) => s.id !== sub.id));
      toastSuccess('Feed URL revoked', sub.name);
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  return (
    <Card title={<>Subscribers <span className="muted">{list?.length || ''}</span></>} testId="show-subscribers">
      <p className="field-hint podcast-feed-hint">
        A private show has no public feed: each subscriber gets a feed URL of their own, which works in any podcast app until you revoke it.
      </p>
      {list === null ? (
        <p className="muted small">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted small" data-testid="subscribers-empty">No subscribers yet.</p>
      ) : (
        <ul className="subscriber-list">
          {list.map((sub) => (
            <li key={sub.id} className="subscriber" data-testid={`subscriber-${sub.id}`}>
              <div className="subscriber-head">
                <strong>{sub.name}</strong>
                <span className="muted small">{sub.lastFetchAt ? `fetched ${relativeTime(sub.lastFetchAt, Date.now())}` : 'never fetched yet'}</span>
                <button className="button ghost small-button danger-outline" data-testid={`subscriber-revoke-${sub.id}`} disabled={busy} onClick={() => setRevoking(sub)}>
                  Revoke
                </button>
              </div>
              <CopyField value={here(sub.feed)} testId={`subscriber-feed-${sub.id}`} />
            </li>
          ))}
        </ul>
      )}
      <form className="subscriber-form" onSubmit={(e) => void add(e)} noValidate autoComplete="off">
        <input className="input" aria-label="Subscriber's name" placeholder="Their name" maxLength={200} data-testid="subscriber-name" value={name} aria-invalid={errors.name ? true : undefined} onChange={(e) => (setName(e.target.value), setErrors({}))} />
        <button className="button primary" type="submit" data-testid="subscriber-add" disabled={busy}>
          <Icon name="plus" size={14} /> Add subscriber
        </button>
      </form>
      <FieldError field="name" errors={errors} testIdPrefix="subscriber-error" />
      {revoking && (
        <ConfirmDialog title={`Revoke ${revoking.name}'s feed?`} confirmLabel="Revoke" danger busy={busy} onCancel={() => setRevoking(null)} onConfirm={() => void revoke(revoking)}>
          <p>Their feed URL and its episode files answer 404 from now on; their podcast app stops finding new episodes. Add them again for a new URL.</p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
