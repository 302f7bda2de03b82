import { useEffect, useState } from 'react';
import { GUEST_NAME_MAX, type Guest, type GuestChatLine, type GuestTake, type StudioState } from '../../../src-shared/contract/index.js';
import { call, onEvent } from '../../api/client.js';
import { CopyField } from '../../ui/CopyButton.js';
import { attempt, toastError } from '../../ui/toast-store.js';
import { useNow } from '../recordings/use-now.js';
import { DEFAULT_LINK_LIFETIME, GUEST_STATE_WORDS, guestActions, LINK_LIFETIMES, mediaIndicator, mergeGuest, sortGuests, stateAt, takeWords, type GuestAction } from './guests-model.js';
import { editedScene, useStudio } from './store.js';
import type { StudioEngine } from '../../studio/engine.js';
import type { ReceiveStats } from '../../studio/sources/receive-stats.js';
import { MeterBar, type Meter } from './MixerPanel.js';

/** A link's end is noticed on this beat (the host sends no event when it expires). */
const EXPIRY_CHECK_MS = 30_000;

const nameOf = (g: Pick<Guest, 'name'>) => g.name || 'Guest';

/** The link just made: its url is returned by guests.invite only, so it is shown here once. */
interface NewLink {
  id: string;
  name: string;
  url: string;
  expiresAt: number;
}

/** A Refuse or Remove being confirmed, with the reason the guest will see. */
interface Asking {
  id: string;
  action: 'refuse' | 'remove';
  reason: string;
}

/** The show's guests: invite by link, admit from the green room, mute, hide, take onto a scene, remove. */
export function GuestsPanel({ state, engine }: { state: StudioState; engine: StudioEngine | null }) {
  const stream = state.studio.stream;
  return (
    <section className="studio-panel guests-panel" data-testid="guests-panel">
      {stream
        ? <GuestList key={stream} stream={stream} state={state} engine={engine} />
        : (<>
          <header className="panel-head"><h3>Guests</h3></header>
          <p className="muted small" data-testid="guests-no-stream">Choose the stream to go live on first (the Stream list above): guests are invited to its show.</p>
        </>)}
    </section>
  );
}

function GuestList({ stream, state, engine }: { stream: string; state: StudioState; engine: StudioEngine | null }) {
  const addSource = useStudio((s) => s.addSource);
  const [guests, setGuests] = useState<readonly Guest[]>([]);
  const [name, setName] = useState('');
  const [lifetime, setLifetime] = useState(DEFAULT_LINK_LIFETIME);
  const [busy, setBusy] = useState(false);
  const [link, setLink] = useState<NewLink | null>(null);
  const [asking, setAsking] = useState<Asking | null>(null);
  const now = useNow(guests.some((g) => g.state === 'invited' || g.state === 'waiting' || g.state === 'admitted'), EXPIRY_CHECK_MS);

  useEffect(() => {
    let gone = false;
    const off = onEvent('guests.changed', (e) => setGuests((list) => mergeGuest(list, e.guest, stream, Date.now())));
    call('guests.list', { stream }).then((list) => !gone && setGuests(sortGuests(list, Date.now())), toastError);
    return () => {
      gone = true;
      off();
    };
  }, [stream]);

  const merge = (guest: Guest) => setGuests((list) => mergeGuest(list, guest, stream, Date.now()));
  /** Runs a guest method; its answer is the guest as it is now (the event that follows says the same). */
  const run = async (send: () => Promise<Guest>): Promise<Guest | null> => {
    const guest = await attempt(send);
    if (guest) merge(guest);
    return guest;
  };

  const invite = async () => {
    setBusy(true);
    const trimmed = name.trim();
    const made = await attempt(() => call('guests.invite', { stream, expiresInSec: lifetime, ...(trimmed ? { name: trimmed } : {}) }));
    setBusy(false);
    if (!made) return;
    // The url stays out of the list: it is shown here, once.
    const { url, ...guest } = made;
    merge(guest);
    setLink({ id: guest.id, name: nameOf(guest), url, expiresAt: guest.expiresAt });
    setName('');
  };

  const act = (g: Guest, action: GuestAction) => {
    const at = { stream, id: g.id };
    switch (action) {
      case 'admit':
        return void run(() => call('guests.admit', at));
      case 'mute':
        return void run(() => call('guests.update', { ...at, muted: !g.muted }));
      case 'hide':
        return void run(() => call('guests.update', { ...at, hidden: !g.hidden }));
      case 'revoke':
        return void run(() => call('guests.revoke', at)).then((done) => done && link?.id === g.id && setLink(null));
      case 'refuse':
      case 'remove':
        return setAsking({ id: g.id, action, reason: '' });
      case 'addToScene':
        // As the source picker adds one: created, then placed in the scene being edited (the preview in studio mode).
        return void addSource({ name: nameOf(g), settings: { kind: 'guest', guestId: g.id } }, editedScene(state)?.id);
    }
  };

  const confirm = async () => {
    if (!asking) return;
    const reason = asking.reason.trim();
    const input = { stream, id: asking.id, ...(reason ? { reason } : {}) };
    const done = await run(() => (asking.action === 'refuse' ? call('guests.refuse', input) : call('guests.remove', input)));
    if (done) setAsking(null);
  };

  const waiting = guests.filter((g) => stateAt(g, now) === 'waiting').length;
  return (
    <>
      <header className="panel-head">
        <h3>Guests</h3>
        {waiting > 0 && <span className="badge badge-warn" data-testid="guests-waiting">{waiting} waiting</span>}
      </header>
      <form className="guest-invite" onSubmit={(e) => { e.preventDefault(); void invite(); }}>
        <input className="input tiny" aria-label="Guest name" placeholder="Name (optional)" maxLength={GUEST_NAME_MAX} data-testid="guest-invite-name" value={name} onChange={(e) => setName(e.target.value)} />
        <select className="input tiny" aria-label="Link lifetime" title="How long the link works" data-testid="guest-invite-lifetime" value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
          {LINK_LIFETIMES.map((l) => <option key={l.seconds} value={l.seconds}>{l.label}</option>)}
        </select>
        <button type="submit" className="button small-button primary" data-testid="guest-invite" disabled={busy}>Invite</button>
      </form>
      {link && (
        <div className="guest-link" data-testid="guest-link-box">
          <p className="small">The link for <strong>{link.name}</strong>, shown once: copy it now and send it. It works until {new Date(link.expiresAt).toLocaleString()}.</p>
          <CopyField value={link.url} testId="guest-link" copyTestId="guest-link-copy" />
          <button type="button" className="button small-button" data-testid="guest-link-dismiss" onClick={() => setLink(null)}>Done</button>
        </div>
      )}
      {guests.length === 0 && <p className="muted small">No guests yet: invite one, and send them the link.</p>}
      <ul className="guest-list">
        {guests.map((g) => (
          <GuestRow key={g.id} guest={g} engine={engine} now={now} state={state}
            asking={asking?.id === g.id ? asking : null}
            onAct={(action) => act(g, action)}
            onReason={(reason) => setAsking((a) => a && { ...a, reason })}
            onConfirm={() => void confirm()}
            onCancel={() => setAsking(null)} />
        ))}
      </ul>
      <GuestTakes stream={stream} watch={guests.some((g) => stateAt(g, now) === 'admitted')} />
    </>
  );
}

/** Takes are looked at this often while a guest is on the show or one is still being sent. */
const TAKES_POLL_MS = 3000;

/** Each guest's own full-quality recordings of the show: being sent, complete, where they fall in the program recording, a download. */
function GuestTakes({ stream, watch }: { stream: string; watch: boolean }) {
  const [takes, setTakes] = useState<readonly GuestTake[]>([]);
  const sending = takes.some((t) => t.state !== 'complete');
  useEffect(() => {
    let gone = false;
    const load = () => void call('guests.takes', { stream }).then((list) => !gone && setTakes(list), () => undefined);
    load();
    const timer = watch || sending ? setInterval(load, TAKES_POLL_MS) : undefined;
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [stream, watch, sending]);
  if (takes.length === 0) return null;
  return (
    <div className="guest-takes" data-testid="guest-takes">
      <h4 className="small">Guests' own recordings</h4>
      <ul>
        {takes.map((t) => {
          const words = takeWords(t);
          return (
            <li key={t.id} data-testid="guest-take" data-state={t.state}>
              <span className="guest-name">{t.guestName}</span> <span className="muted small">take {t.take}</span>{' '}
              <span className={`badge badge-${words.tone}`}>{words.label}</span>{' '}
              <span className="muted small">{words.detail}</span>{' '}
              {t.state === 'complete' && <a className="small" href={t.file} download data-testid="guest-take-download">Download</a>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

const TEST_IDS: Record<GuestAction, string> = {
  admit: 'guest-admit',
  refuse: 'guest-refuse',
  mute: 'guest-mute',
  hide: 'guest-hide',
  addToScene: 'guest-add-to-scene',
  remove: 'guest-remove',
  revoke: 'guest-revoke',
};
const STYLE: Partial<Record<GuestAction, string>> = { admit: 'primary', refuse: 'danger-outline', remove: 'danger-outline', revoke: 'danger-outline' };

interface RowProps {
  guest: Guest;
  engine: StudioEngine | null;
  now: number;
  state: StudioState;
  asking: Asking | null;
  onAct(action: GuestAction): void;
  onReason(reason: string): void;
  onConfirm(): void;
  onCancel(): void;
}

function GuestRow({ guest: g, engine, now, state, asking, onAct, onReason, onConfirm, onCancel }: RowProps) {
  const current = stateAt(g, now);
  const words = GUEST_STATE_WORDS[current];
  const media = mediaIndicator(g);
  const actions = guestActions(g, state.sources, now);
  // A question whose button went away meanwhile (the guest left the green room) is dropped.
  const ask = asking && actions.some((a) => a.action === asking.action) ? asking : null;
  return (
    <li className="guest-row" data-testid={`guest-row-${g.id}`} data-state={current}>
      <span className="guest-name" title={g.name}>{nameOf(g)}</span>
      {media && <span className={`badge badge-${media.tone}`} data-testid="guest-media">{media.label}</span>}
      <span className={`badge badge-${words.tone}`} title={words.hint} data-testid="guest-state">{words.label}</span>
      {g.reason && (current === 'refused' || current === 'removed') && <span className="guest-note muted small">“{g.reason}”</span>}
      {current === 'admitted' && (g.muted || g.hidden) && <span className="guest-note muted small">{[g.muted && 'muted', g.hidden && 'hidden'].filter(Boolean).join(', ')} in the program</span>}
      {(current === 'waiting' || current === 'admitted') && <ProducerChat guest={g} />}
      {current === 'admitted' && g.live && engine && <GuestLink engine={engine} sourceId={state.sources.find((s) => s.settings.kind === 'guest' && s.settings.guestId === g.id)?.id ?? null} />}
      {actions.length > 0 && !ask && (
        <div className="guest-actions">
          {actions.map((a) => (
            <button key={a.action} type="button" className={`button small-button ${STYLE[a.action] ?? ''}`} data-testid={TEST_IDS[a.action]} onClick={() => onAct(a.action)}>{a.label}</button>
          ))}
        </div>
      )}
      {ask && (
        <form className="guest-reason" onSubmit={(e) => { e.preventDefault(); onConfirm(); }}>
          <input className="input tiny" autoFocus maxLength={200} data-testid="guest-reason" aria-label="Reason"
            placeholder={`Why (optional, ${nameOf(g)} sees it)`} value={ask.reason}
            onChange={(e) => onReason(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onCancel()} />
          <button type="submit" className="button small-button danger" data-testid="guest-reason-confirm">{ask.action === 'refuse' ? 'Refuse' : 'Remove'}</button>
          <button type="button" className="button small-button" data-testid="guest-reason-cancel" onClick={onCancel}>Cancel</button>
        </form>
      )}
    </li>
  );
}

/** How a guest on the show reaches the studio: their sound's level, and round trip, loss and bitrate of their connection (once in the show as a source). */
function GuestLink({ engine, sourceId }: { engine: StudioEngine; sourceId: string | null }) {
  const [net, setNet] = useState<ReceiveStats | null>(null);
  const [meter, setMeter] = useState<Meter | undefined>(undefined);
  const [layer, setLayer] = useState<ReturnType<StudioEngine['sourceLayer']>>(null);
  useEffect(() => {
    if (!sourceId) return;
    let gone = false;
    const timer = setInterval(() => {
      setMeter(engine.mixer.meters()[sourceId]);
      setLayer(engine.sourceLayer(sourceId));
      void engine.sourceNetwork(sourceId).then((n) => !gone && setNet(n));
    }, 1000);
    return () => {
      gone = true;
      clearInterval(timer);
    };
  }, [engine, sourceId]);
  if (!sourceId) return <span className="guest-note muted small">Add them to a scene to see and hear them.</span>;
  const full = layer ? largest(layer.layers) : undefined;
  return (
    <div className="guest-link">
      <MeterBar meter={meter} testId="guest-level" />
      <span className="muted small" data-testid="guest-network" data-rtt={net?.rttMs ?? ''} data-loss={net?.lossPercent ?? ''} data-kbps={net?.bitrateKbps ?? ''}>
        {net ? `${net.rttMs === null ? 'RTT …' : `RTT ${net.rttMs} ms`} · loss ${net.lossPercent} % · ${(net.bitrateKbps / 1000).toFixed(1)} Mb/s` : 'connecting…'}
      </span>
      {layer && net && net.width > 0 && (
        <span className="muted small" data-testid="guest-layer" data-width={net.width} data-height={net.height} data-current={layer.current ?? ''} title="The guest sends their picture in several sizes: the studio takes the one that fills where it shows them">
          {`Picture ${net.width}×${net.height}${full && full.width > net.width ? ` (a smaller layer of ${full.width}×${full.height})` : ''}`}
        </span>
      )}
    </div>
  );
}

/** The largest of a guest's layers (its camera's size). */
function largest<L extends { width: number }>(layers: readonly L[]): L | undefined {
  return layers.reduce<L | undefined>((a, b) => (!a || b.width > a.width ? b : a), undefined);
}

/** The private chat with one guest, folded until opened (the number of their lines since shows on the button). */
function ProducerChat({ guest }: { guest: Guest }) {
  const [open, setOpen] = useState(false);
  const [lines, setLines] = useState<readonly GuestChatLine[]>([]);
  const [text, setText] = useState('');
  useEffect(() => {
    let gone = false;
    const off = onEvent('guests.chat', (e) => e.guestId === guest.id && setLines((l) => [...l.filter((x) => x.seq !== e.line.seq), e.line].slice(-100)));
    call('guests.chat', { stream: guest.stream, id: guest.id }).then((l) => !gone && setLines(l), toastError);
    return () => {
      gone = true;
      off();
    };
  }, [guest.stream, guest.id]);
  const fromGuest = lines.filter((l) => l.from === 'guest').length;
  const say = (): void => {
    const t = text.trim();
    if (!t) return;
    void attempt(() => call('guests.say', { stream: guest.stream, id: guest.id, text: t })).then((line) => line && setText(''));
  };
  return (
    <div className="guest-chat-box">
      <button type="button" className="button small-button" data-testid="guest-chat-toggle" onClick={() => setOpen(!open)}>{open ? 'Hide chat' : `Chat${fromGuest > 0 ? ` (${fromGuest})` : ''}`}</button>
      {open && (
        <>
          <ol className="guest-chat-lines" data-testid="guest-chat-lines">
            {lines.map((l) => <li key={l.seq} data-from={l.from}><b>{l.from === 'producer' ? 'You' : nameOf(guest)}:</b> {l.text}</li>)}
          </ol>
          <form className="guest-chat-form" onSubmit={(e) => { e.preventDefault(); say(); }}>
            <input className="input tiny" data-testid="guest-chat-text" maxLength={500} placeholder={`Write to ${nameOf(guest)} (only they read it)`} value={text} onChange={(e) => setText(e.target.value)} />
            <button type="submit" className="button small-button" data-testid="guest-chat-say" disabled={!text.trim()}>Send</button>
          </form>
        </>
      )}
    </div>
  );
}
