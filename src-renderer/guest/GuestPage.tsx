import { useCallback, useEffect, useRef, useState } from 'react';
import type { GuestChatLine, GuestView } from '../../src-shared/contract/guests.js';
import { endedWords, GuestRequestError, type GuestClient } from './guest-client.js';
import { levelToWidth, openGuestMedia, type GuestMedia } from './guest-media.js';
import { GuestIso, type IsoStatus } from './iso.js';
import { keepSession, type KeptSession } from './keep-session.js';
import { clockOffset, openTakeStore } from './iso-store.js';

/** setup: preview and devices; waiting: the green room; onshow: sending; ended: the link ended; error: cannot go on. */
type Phase = 'loading' | 'setup' | 'waiting' | 'onshow' | 'ended' | 'error';

/** How often the page asks where it stands (the green room's answer reaches the guest within this). */
const POLL_MS = 1000;

export function GuestPage({ client }: { client: GuestClient }) {
  const [phase, setPhase] = useState<Phase>('loading');
  const [view, setView] = useState<GuestView | null>(null);
  const [ended, setEnded] = useState<{ title: string; text: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [media, setMedia] = useState<GuestMedia | null>(null);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [choice, setChoice] = useState<{ camera: string | null; microphone: string | null }>({ camera: null, microphone: null });
  const [connected, setConnected] = useState(false);
  const preview = useRef<HTMLVideoElement>(null);
  const meter = useRef<HTMLDivElement>(null);
  /** The return feed: the show as the guest sees and hears it. */
  const back = useRef<HTMLVideoElement>(null);
  const session = useRef<KeptSession | null>(null);
  /** What a new session sends (a device change reaches a running one through replaceTrack, below). */
  const mediaRef = useRef<GuestMedia | null>(null);
  mediaRef.current = media;
  const hasMedia = media !== null;
  /** Answers of /state for the host's clock (the last 10), and the guest's own recording. */
  const clock = useRef<{ sent: number; received: number; host: number }[]>([]);
  const hostTakes = useRef(0);
  const [iso, setIso] = useState<GuestIso | null>(null);
  const [isoStatus, setIsoStatus] = useState<IsoStatus | null>(null);
  /** Where the link stands; each answer also dates the host's clock. */
  const ask = useCallback(async (): Promise<GuestView> => {
    const sent = Date.now();
    const v = await client.state();
    clock.current = [...clock.current.slice(-9), { sent, received: Date.now(), host: v.now }];
    hostTakes.current = v.takes;
    return v;
  }, [client]);

  useEffect(() => {
    document.body.dataset.phase = phase;
  }, [phase]);

  const fail = useCallback((error: unknown) => {
    if (error instanceof GuestRequestError && error.code === 'GUEST_LINK_ENDED') {
      setEnded(endedWords(error.details.state, error.details.reason));
      setPhase('ended');
      return;
    }
    setProblem(error instanceof Error ? error.message : String(error));
    if (error instanceof GuestRequestError && /JWT_INVALID|NOT_FOUND|UNAUTHORIZED/.test(error.code)) setPhase('error');
  }, []);

  // Where the link stands, then the camera and microphone.
  useEffect(() => {
    void ask()
      .then((v) => {
        setView(v);
        setName(v.name === 'Guest' ? '' : v.name);
        setPhase(v.state === 'admitted' ? 'waiting' : 'setup');
      })
      .catch(fail);
  }, [ask, fail]);

  // The guest's own recording: takes left by a page that went away are sent from here too.
  useEffect(() => {
    let made: GuestIso | null = null;
    let gone = false;
    void openTakeStore().then(async (store) => {
      if (gone) return;
      made = new GuestIso({
        guestId: client.id,
        token: client.token,
        store,
        hostNow: () => {
          const c = clockOffset(clock.current);
          return c ? Date.now() + c.offsetMs : null;
        },
        hostTakes: () => hostTakes.current,
        onStatus: setIsoStatus,
      });
      await made.start();
      if (!gone) setIso(made);
    }, (error: unknown) => setIsoStatus({ recording: null, recordedBytes: 0, sentBytes: 0, pending: 0, delivered: 0, problem: `This browser cannot keep a recording for the producer (${(error as Error).message}).` }));
    const flush = (): void => made?.flush();
    // Leaving with part of the recording unsent: the browser asks first (it is sent when the link is opened again).
    const unsent = (e: BeforeUnloadEvent): void => {
      if (made?.unsent()) e.preventDefault();
    };
    window.addEventListener('pagehide', flush);
    window.addEventListener('beforeunload', unsent);
    return () => {
      gone = true;
      window.removeEventListener('pagehide', flush);
      window.removeEventListener('beforeunload', unsent);
      made?.dispose();
    };
  }, [client]);

  // On the show, each guest records themselves at full quality (a new take when the devices change).
  useEffect(() => {
    if (phase !== 'onshow' || !iso || !media) return;
    void iso.record(media.stream);
    return () => void iso.stopRecording();
  }, [phase, iso, media]);

  const closed = phase === 'loading' || phase === 'ended' || phase === 'error';
  useEffect(() => {
    if (closed) return;
    let current: GuestMedia | null = null;
    let gone = false;
    void openGuestMedia(choice).then(
      async (m) => {
        if (gone) return m.stop();
        current = m;
        setMedia(m);
        setDevices(await navigator.mediaDevices.enumerateDevices());
      },
      (error: unknown) => setProblem((error as Error).message),
    );
    return () => {
      gone = true;
      current?.stop();
    };
    // A new device choice opens the devices again; the phase only matters once past loading.
  }, [choice, closed]);

  useEffect(() => {
    if (preview.current && media) preview.current.srcObject = media.stream;
    return media?.onLevel((level) => {
      if (meter.current) meter.current.style.width = `${levelToWidth(level)}%`;
    });
  }, [media]);

  // A running session takes the newly chosen devices without a new connection.
  useEffect(() => {
    const pc = session.current?.current()?.pc;
    if (!pc || !media) return;
    for (const sender of pc.getSenders()) {
      const track = media.stream.getTracks().find((t) => t.kind === sender.track?.kind);
      if (track && sender.track !== track) void sender.replaceTrack(track);
    }
  }, [media]);

  // The green room and the show: where we stand, every second.
  useEffect(() => {
    if (phase !== 'waiting' && phase !== 'onshow') return;
    const timer = setInterval(() => void ask().then((v) => (setView(v), setPhase(v.state === 'admitted' ? 'onshow' : 'waiting'))).catch(fail), POLL_MS);
    return () => clearInterval(timer);
  }, [phase, ask, fail]);

  // On the show: send, and send again after a drop.
  useEffect(() => {
    if (phase !== 'onshow' || !hasMedia) return;
    const kept = keepSession(() => client.publish(mediaRef.current!.stream), {
      // Sending again: an error from a try before it is over.
      up: () => setProblem(null),
      state: (state) => setConnected(state === 'connected'),
      refused: fail,
    });
    session.current = kept;
    // A reload or a closed tab: the host keeps the slot (its viewers wait) for the same guest coming back.
    const leave = (): void => {
      const s = kept.current();
      if (s) void fetch(`${s.location}?returning=1`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
    };
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      kept.stop();
      session.current = null;
      setConnected(false);
    };
  }, [phase, hasMedia, client, fail]);

  // On the show: the return feed (the program without our own voice), made again when the show goes
  // live (its picture joins) or after a drop; the studio may not be sending it yet: asked again.
  const program = view?.program ?? false;
  useEffect(() => {
    if (phase !== 'onshow') return;
    const kept = keepSession(async () => {
      const { session: s, media } = await client.watchReturn();
      if (back.current) {
        back.current.srcObject = media;
        void back.current.play().catch(() => undefined);
      }
      return s;
    });
    return () => kept.stop();
  }, [phase, program, client]);

  const join = (): void => {
    setProblem(null);
    void client.join(name.trim()).then((v) => (setView(v), setPhase(v.state === 'admitted' ? 'onshow' : 'waiting'))).catch(fail);
  };

  if (phase === 'ended' && ended) {
    return (
      <main className="guest ended" data-testid="guest-ended">
        <h1 data-testid="guest-ended-title">{ended.title}</h1>
        <p>{ended.text}</p>
        <IsoLine status={isoStatus} />
      </main>
    );
  }
  if (phase === 'error') {
    return (
      <main className="guest ended" data-testid="guest-error">
        <h1>This link cannot be used</h1>
        <p>{problem}</p>
        <p className="muted">Open the whole link the producer sent you, or ask them for a new one.</p>
      </main>
    );
  }
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const microphones = devices.filter((d) => d.kind === 'audioinput');
  return (
    <main className="guest">
      <h1>{phase === 'onshow' ? 'You are on the show' : phase === 'waiting' ? 'In the green room' : 'Join the show'}</h1>
      <p className="muted" data-testid="guest-status">
        {phase === 'setup' && 'Check your camera and microphone, tell us your name, then join.'}
        {phase === 'waiting' && 'The producer has been told you are here. You go on the show as soon as they let you in.'}
        {phase === 'onshow' && (connected ? 'Your camera and microphone are on the show.' : 'Connecting your camera and microphone…')}
        {phase === 'onshow' && view?.muted && ' The producer muted your sound in the show for now.'}
        {phase === 'onshow' && view?.hidden && ' Your picture is out of the show for now.'}
      </p>
      <div className="guest-preview">
        {media?.video ? <video ref={preview} data-testid="guest-preview" autoPlay muted playsInline /> : <div className="guest-no-camera" data-testid="guest-audio-only">Sound only: your camera is not shared.</div>}
        <div className="guest-meter" aria-label="Microphone level"><div ref={meter} data-testid="guest-meter" /></div>
      </div>
      {phase === 'onshow' && (
        <div className="guest-return">
          <span className="muted small">{program ? 'The show' : 'The show (its picture appears when it goes live)'}</span>
          <video ref={back} data-testid="guest-return" autoPlay playsInline />
        </div>
      )}
      <div className="guest-form">
        <label>
          <span>Camera</span>
          <select data-testid="guest-camera-select" value={choice.camera ?? ''} onChange={(e) => setChoice({ ...choice, camera: e.target.value || null })}>
            <option value="">Default</option>
            {cameras.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || 'Camera'}</option>)}
          </select>
        </label>
        <label>
          <span>Microphone</span>
          <select data-testid="guest-mic-select" value={choice.microphone ?? ''} onChange={(e) => setChoice({ ...choice, microphone: e.target.value || null })}>
            <option value="">Default</option>
            {microphones.map((d) => <option key={d.deviceId} value={d.deviceId}>{d.label || 'Microphone'}</option>)}
          </select>
        </label>
        {phase === 'setup' && (
          <>
            <label>
              <span>Your name</span>
              <input data-testid="guest-name" value={name} maxLength={60} placeholder="How the show names you" onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && name.trim() && media && join()} />
            </label>
            <button type="button" data-testid="guest-join" disabled={!name.trim() || !media} onClick={join}>Join</button>
          </>
        )}
      </div>
      {(phase === 'waiting' || phase === 'onshow') && <GuestChat lines={view?.chat ?? []} say={(text) => client.say(text).then((line) => setView((v) => v && { ...v, chat: [...v.chat.filter((l) => l.seq !== line.seq), line] }))} />}
      <IsoLine status={isoStatus} />
      {problem && <p className="guest-problem" role="alert">{problem}</p>}
    </main>
  );
}

const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/** What happens to the guest's own recording: recording, sending, sent. */
function IsoLine({ status }: { status: IsoStatus | null }) {
  if (!status || (status.recording === null && status.pending === 0 && status.delivered === 0 && !status.problem)) return null;
  const left = status.recordedBytes - status.sentBytes;
  return (
    <p className="muted small guest-iso" data-testid="guest-iso" data-pending={status.pending} data-recording={status.recording ?? ''}>
      {status.recording !== null
        ? `Recording you in full quality for the producer (take ${status.recording}): ${mb(status.recordedBytes)} recorded, ${mb(status.sentBytes)} sent.`
        : status.pending > 0
          ? `Sending your recording to the studio: ${mb(left)} to go. Keep this page open until it is done.`
          : 'Your recording is with the studio, at full quality.'}
      {status.problem && <span className="guest-problem" role="alert"> {status.problem}</span>}
    </p>
  );
}

/** The private chat with the producer: their lines and ours, and a line to send. */
function GuestChat({ lines, say }: { lines: readonly GuestChatLine[]; say(text: string): Promise<unknown> }) {
  const [text, setText] = useState('');
  const send = (): void => {
    const t = text.trim();
    if (!t) return;
    void say(t).then(() => setText(''), () => undefined);
  };
  return (
    <section className="guest-chat" data-testid="guest-chat" aria-label="Chat with the producer">
      <ol>
        {lines.length === 0 && <li className="muted small">Messages between you and the producer show here.</li>}
        {lines.map((l) => <li key={l.seq} data-testid="guest-chat-line" data-from={l.from}><b>{l.from === 'producer' ? 'Producer' : 'You'}:</b> {l.text}</li>)}
      </ol>
      <form onSubmit={(e) => { e.preventDefault(); send(); }}>
        <input data-testid="guest-chat-input" value={text} maxLength={500} placeholder="Write to the producer" onChange={(e) => setText(e.target.value)} />
        <button type="submit" data-testid="guest-chat-send" disabled={!text.trim()}>Send</button>
      </form>
    </section>
  );
}
