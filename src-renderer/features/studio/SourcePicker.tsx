import { useEffect, useRef, useState } from 'react';
import type { MethodInput, SourceSettings } from '../../../src-shared/contract/index.js';
import { OVERLAY_PARTS, type OverlayPart } from '../../../src-shared/overlay-state.js';
import { call } from '../../api/client.js';
import { Modal } from '../../ui/Modal.js';
import { toastError } from '../../ui/toast-store.js';
import { cameraModes, watchDevices, type DeviceInfo } from '../../studio/sources/devices.js';

type Kind = SourceSettings['kind'];

const KINDS: { kind: Kind; label: string; hint: string }[] = [
  { kind: 'camera', label: 'Camera', hint: 'A webcam or capture card' },
  { kind: 'microphone', label: 'Microphone', hint: 'A microphone or line in' },
  { kind: 'screen', label: 'Screen or window', hint: 'A whole screen, a window or a tab' },
  { kind: 'image', label: 'Image', hint: 'PNG, JPEG, GIF, WebP' },
  { kind: 'slideshow', label: 'Slideshow', hint: 'Several images in turn' },
  { kind: 'video', label: 'Video file', hint: 'MP4 or WebM, looping' },
  { kind: 'text', label: 'Text', hint: 'Titles, lower thirds, a ticker' },
  { kind: 'color', label: 'Colour', hint: 'A solid background' },
  { kind: 'stream', label: 'Live stream', hint: 'Another stream of this host' },
  { kind: 'overlay', label: 'Live overlay', hint: 'Poll, chat, score or reactions from the data channels' },
];

/** What each overlay part is called in the studio. */
export const OVERLAY_LABELS: Record<OverlayPart, string> = { poll: 'Poll with live votes', chat: 'Chat lines', score: 'Score', reactions: 'Reactions' };

/** Uploads a picture or video to the host (it checks the file really is one) and returns its URL. */
export async function uploadMedia(file: File): Promise<string> {
  const res = await fetch('/api/v1/scenes/media', { method: 'POST', headers: { 'Content-Type': file.type || 'application/octet-stream' }, body: file, credentials: 'same-origin' });
  const body = (await res.json().catch(() => null)) as { url?: string; error?: { code: string; message: string } } | null;
  if (res.status !== 201 || !body?.url) throw body?.error ?? { code: 'MEDIA_INVALID', message: `${file.name} could not be uploaded (HTTP ${res.status})` };
  return body.url;
}

type Caps = Parameters<typeof cameraModes>[0];

/** The chosen camera's picture, and what it can do (its track's capabilities) for the size and rate lists. */
function CameraPreview({ deviceId, onCapabilities }: { deviceId: string; onCapabilities(caps: Caps): void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    let media: MediaStream | null = null;
    let gone = false;
    void navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId }, width: 320, height: 180 } }).then((m) => {
      if (gone) return m.getTracks().forEach((t) => t.stop());
      media = m;
      const track = m.getVideoTracks()[0];
      onCapabilities(track && 'getCapabilities' in track ? (track.getCapabilities() as Caps) : null);
      if (video.current) video.current.srcObject = m;
    }, () => undefined);
    return () => {
      gone = true;
      media?.getTracks().forEach((t) => t.stop());
    };
    // onCapabilities is a state setter: the same function on every render.
  }, [deviceId]);
  return <video ref={video} className="picker-preview" autoPlay muted playsInline data-testid="picker-camera-preview" />;
}

/** Choosing what to add: the kind, then its settings (devices listed live as they are plugged in). */
export function SourcePicker({ onAdd, onClose }: { onAdd(input: MethodInput<'scenes.addSource'>): Promise<void>; onClose(): void }) {
  const [kind, setKind] = useState<Kind | null>(null);
  const [devices, setDevices] = useState<DeviceInfo[]>([]);
  const [streams, setStreams] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [deviceId, setDeviceId] = useState('');
  const [text, setText] = useState('Hello, world');
  const [fontSize, setFontSize] = useState(64);
  const [color, setColor] = useState('#ffffff');
  const [scroll, setScroll] = useState(0);
  const [surface, setSurface] = useState<'monitor' | 'window' | 'browser'>('monitor');
  const [withAudio, setWithAudio] = useState(false);
  const [urls, setUrls] = useState<string[]>([]);
  const [stream, setStream] = useState('');
  const [via, setVia] = useState<'whep' | 'llhls'>('whep');
  const [part, setPart] = useState<OverlayPart>('poll');
  const [accent, setAccent] = useState('#7c5cff');
  const [caps, setCaps] = useState<Caps>(null);
  const [size, setSize] = useState('1280x720');
  const [rate, setRate] = useState(30);
  const [busy, setBusy] = useState(false);

  useEffect(() => watchDevices(setDevices), []);
  useEffect(() => {
    if (kind === 'stream' || kind === 'overlay') void call('streams.list', {}).then((list) => setStreams(list.map((s) => s.name)), toastError);
  }, [kind]);

  const ofKind = devices.filter((d) => d.kind === (kind === 'camera' ? 'videoinput' : 'audioinput'));
  const device = ofKind.find((d) => d.deviceId === deviceId) ?? ofKind[0];
  // What the chosen camera can do; a choice it cannot do falls back to the nearest below 720p30.
  const modes = cameraModes(caps);
  const sizeKey = modes.sizes.some(([w, h]) => `${w}x${h}` === size) ? size : `${(modes.sizes.find(([w]) => w <= 1280) ?? modes.sizes[0]!).join('x')}`;
  const [width, height] = sizeKey.split('x').map(Number) as [number, number];
  const rateChoice = kind === 'camera' ? (modes.rates.includes(rate) ? rate : (modes.rates.find((r) => r <= 30) ?? modes.rates[0]!)) : rate;

  const settings = (): SourceSettings | null => {
    switch (kind) {
      case 'camera':
        return { kind, deviceId: device?.deviceId ?? null, label: device?.label ?? '', width, height, frameRate: rateChoice };
      case 'microphone':
        return { kind, deviceId: device?.deviceId ?? null, label: device?.label ?? '' };
      case 'screen':
        return { kind, surface, audio: withAudio, frameRate: rateChoice };
      case 'image':
        return urls[0] ? { kind, url: urls[0] } : null;
      case 'slideshow':
        return urls.length > 0 ? { kind, urls, intervalSec: 5 } : null;
      case 'video':
        return urls[0] ? { kind, url: urls[0], loop: true } : null;
      case 'text':
        return { kind, text, fontFamily: 'sans-serif', fontSize, bold: true, italic: false, color, outline: { color: '#000000', width: 3 }, background: null, align: 'left', scrollPxPerSec: scroll };
      case 'color':
        return { kind, color };
      case 'stream':
        return stream ? { kind, stream, via } : null;
      case 'overlay':
        return stream ? { kind, stream, part, accent } : null;
      default:
        return null;
    }
  };

  const upload = async (files: FileList | null) => {
    if (!files) return;
    setBusy(true);
    try {
      const list = [...files];
      const done = await Promise.all(list.map(uploadMedia));
      setUrls(done);
      if (!name && list[0]) setName(list[0].name.replace(/\.[^.]+$/, ''));
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };

  const add = async () => {
    const s = settings();
    if (!s || !kind) return;
    setBusy(true);
    await onAdd({ name: name.trim() || KINDS.find((k) => k.kind === kind)!.label, settings: s });
    setBusy(false);
  };

  const ready = settings() !== null && !busy;
  return (
    <Modal title={kind ? `Add: ${KINDS.find((k) => k.kind === kind)!.label}` : 'Add a source'} testId="source-picker" wide onClose={onClose}
      footer={kind && (<>
        <button className="button" onClick={() => setKind(null)}>Back</button>
        <button className="button primary" data-testid="picker-add" disabled={!ready} onClick={() => void add()}>Add to scene</button>
      </>)}>
      {!kind && (
        <div className="picker-kinds">
          {KINDS.map((k) => (
            <button key={k.kind} className="picker-kind" data-testid={`picker-kind-${k.kind}`} onClick={() => setKind(k.kind)}>
              <strong>{k.label}</strong>
              <span className="muted small">{k.hint}</span>
            </button>
          ))}
        </div>
      )}
      {kind && (
        <div className="picker-form">
          <label className="field-label">Name<input className="input" data-testid="picker-name" value={name} placeholder={KINDS.find((k) => k.kind === kind)!.label} onChange={(e) => setName(e.target.value)} /></label>
          {(kind === 'camera' || kind === 'microphone') && (
            <>
              <label className="field-label">Device
                <select className="input" data-testid="picker-device" value={device?.deviceId ?? ''} onChange={(e) => setDeviceId(e.target.value)}>
                  {ofKind.length === 0 && <option value="">No {kind} found: plug one in</option>}
                  {ofKind.map((d, i) => <option key={d.deviceId} value={d.deviceId}>{d.label || `${kind} ${i + 1}`}</option>)}
                </select>
              </label>
              {kind === 'camera' && device?.deviceId && <CameraPreview deviceId={device.deviceId} onCapabilities={setCaps} />}
              {kind === 'camera' && (
                <div className="picker-row">
                  <label className="field-label">Size
                    <select className="input" data-testid="picker-size" value={sizeKey} onChange={(e) => setSize(e.target.value)}>
                      {modes.sizes.map(([w, h]) => <option key={`${w}x${h}`} value={`${w}x${h}`}>{w} x {h}</option>)}
                    </select>
                  </label>
                  <label className="field-label">Frame rate
                    <select className="input" data-testid="picker-rate" value={rateChoice} onChange={(e) => setRate(Number(e.target.value))}>
                      {modes.rates.map((r) => <option key={r} value={r}>{r} fps</option>)}
                    </select>
                  </label>
                </div>
              )}
            </>
          )}
          {kind === 'screen' && (
            <>
              <label className="field-label">Offer first
                <select className="input" value={surface} onChange={(e) => setSurface(e.target.value as typeof surface)}>
                  <option value="monitor">A whole screen</option><option value="window">A window</option><option value="browser">A browser tab</option>
                </select>
              </label>
              <label className="field-label">Frame rate
                <select className="input" data-testid="picker-rate" value={rate} onChange={(e) => setRate(Number(e.target.value))}>
                  {[60, 30, 15, 5].map((r) => <option key={r} value={r}>{r} fps</option>)}
                </select>
              </label>
              <label className="checkbox"><input type="checkbox" checked={withAudio} onChange={(e) => setWithAudio(e.target.checked)} /> With its sound</label>
              <p className="muted small">The browser asks which screen or window when the source starts (press Capture on it).</p>
            </>
          )}
          {(kind === 'image' || kind === 'slideshow' || kind === 'video') && (
            <label className="field-label">File{kind === 'slideshow' ? 's' : ''}
              <input type="file" data-testid="picker-file" accept={kind === 'video' ? 'video/mp4,video/webm' : 'image/*'} multiple={kind === 'slideshow'} onChange={(e) => void upload(e.target.files)} />
              {urls.length > 0 && <span className="muted small">{urls.length} uploaded</span>}
            </label>
          )}
          {kind === 'text' && (
            <>
              <label className="field-label">Text<textarea className="input" data-testid="picker-text" value={text} rows={3} onChange={(e) => setText(e.target.value)} /></label>
              <label className="field-label">Size<input className="input" type="number" min={6} max={400} value={fontSize} onChange={(e) => setFontSize(Number(e.target.value))} /></label>
              <label className="field-label">Scroll (px/s, 0 = still)<input className="input" type="number" min={0} max={2000} value={scroll} onChange={(e) => setScroll(Number(e.target.value))} /></label>
            </>
          )}
          {(kind === 'text' || kind === 'color') && (
            <label className="field-label">Colour<input type="color" data-testid="picker-color" value={color} onChange={(e) => setColor(e.target.value)} /></label>
          )}
          {(kind === 'stream' || kind === 'overlay') && (
            <label className="field-label">Stream
              <select className="input" data-testid="picker-stream" value={stream} onChange={(e) => setStream(e.target.value)}>
                <option value="">Choose a stream</option>
                {streams.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
          )}
          {kind === 'overlay' && (
            <>
              <label className="field-label">Shows
                <select className="input" data-testid="picker-overlay-part" value={part} onChange={(e) => setPart(e.target.value as OverlayPart)}>
                  {OVERLAY_PARTS.map((p) => <option key={p} value={p}>{OVERLAY_LABELS[p]}</option>)}
                </select>
              </label>
              <label className="field-label">Accent<input type="color" data-testid="picker-accent" value={accent} onChange={(e) => setAccent(e.target.value)} /></label>
              <p className="muted small">Drawn from the stream's data channels: post to <code>poll</code>, <code>votes</code>, <code>score</code> or <code>reactions</code>; the chat's lines come by themselves.</p>
            </>
          )}
          {kind === 'stream' && (
            <label className="field-label">Pulled over
              <select className="input" data-testid="picker-via" value={via} onChange={(e) => setVia(e.target.value as typeof via)}>
                <option value="whep">WebRTC (the lowest latency)</option>
                <option value="llhls">HLS (low-latency where the stream is): as its viewers see it</option>
              </select>
            </label>
          )}
        </div>
      )}
    </Modal>
  );
}
