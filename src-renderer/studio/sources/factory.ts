import type { Source, SourceSettings } from '../../../src-shared/contract/scenes.js';
import type { LiveSource } from './base.js';
import { cameraConstraints, deviceMissing, listDevices, resolveDevice } from './devices.js';
import { ColorSource, ImageSource, SlideshowSource, TextSource, VideoFileSource } from './drawn-sources.js';
import { HlsPullSource } from './hls-pull-source.js';
import { OverlaySource } from './overlay-source.js';
import { LayerPicker } from './layers.js';
import { pullWhep } from './stream-pull.js';
import { framesDecoded, guestStandIn, StandInCard } from './stand-in.js';
import { receiveStats } from './receive-stats.js';
import { TrackSource } from './track-source.js';

type Of<K extends SourceSettings['kind']> = Extract<SourceSettings, { kind: K }>;

async function openDevice(settings: Of<'camera'> | Of<'microphone'>, noiseSuppression: boolean): Promise<MediaStream> {
  const resolved = resolveDevice(settings, await listDevices());
  if ('missing' in resolved) throw deviceMissing(settings.label);
  if (settings.kind === 'camera') return navigator.mediaDevices.getUserMedia(cameraConstraints(settings, resolved.deviceId));
  return navigator.mediaDevices.getUserMedia({
    video: false,
    // The mixer does the levels: the browser's automatic gain and echo cancellation would fight it.
    audio: { ...(resolved.deviceId ? { deviceId: { exact: resolved.deviceId } } : {}), echoCancellation: false, autoGainControl: false, noiseSuppression },
  });
}

/**
 * What must be the same for a running source to be kept when the show changes: its settings, and for
 * a microphone its noise suppression (the browser applies it at capture). Everything else in the
 * mixer strip changes without a new capture.
 */
export function captureKey(source: Source): string {
  const ns = source.settings.kind === 'microphone' ? source.audio.noiseSuppression : false;
  return JSON.stringify([source.settings, ns]);
}

/** The host's answers about a pull's simulcast layers (the WHEP layer extension), or an error. */
function layerRequest(url: string): ConstructorParameters<typeof LayerPicker>[0] {
  return async (method, body) => {
    const res = await fetch(url, { method, credentials: 'same-origin', ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as LayerPicker['state'];
  };
}

/**
 * A WHEP pull as a source: opened again when it ends (the stream or guest came back), closed with the
 * source. A publisher that sends simulcast (a guest) is pulled in the layer that fills where it is shown.
 */
function whepSource(id: string, kind: 'stream' | 'guest', what: string, path?: string): LiveSource {
  let pull: { pc: RTCPeerConnection; close(): void } | null = null;
  let previous: RTCStatsReport | null = null;
  let layers: LayerPicker | null = null;
  let shown: { width: number; height: number } | null = null;
  const track = new TrackSource(id, kind, {
    what: kind,
    open: async () => {
      pull?.close();
      layers?.dispose();
      layers = null;
      const p = await pullWhep(what, 10_000, path);
      pull = p;
      if (p.layerUrl) {
        layers = new LayerPicker(layerRequest(p.layerUrl));
        layers.showAt(shown);
      }
      return p.media;
    },
    reopenOnDeviceChange: true,
    needsGesture: false,
    stallMs: 2000,
  });
  let watch: ReturnType<typeof setInterval> | undefined;
  const dispose = track.dispose.bind(track);
  track.dispose = () => (dispose(), clearInterval(watch), layers?.dispose(), pull?.close());
  track.showAt = (size) => {
    shown = size;
    layers?.showAt(size);
  };
  track.layer = () => layers?.state ?? null;
  if (kind === 'guest') {
    // A guest who drops: frozen on their last picture for a moment, then their card until they are back.
    // The pull's track may hand over its last picture again after the guest went (Chrome did for 5-9 s
    // here): whether new frames come is read from the connection (frames decoded), twice a second.
    const card = new StandInCard(`${id}:stand-in`);
    let decoded = { frames: -1, at: performance.now() };
    watch = setInterval(() => {
      void pull?.pc.getStats().then((report) => {
        const frames = framesDecoded([...report.values()] as Record<string, unknown>[]);
        if (frames !== decoded.frames) decoded = { frames, at: performance.now() };
      });
    }, 500);
    track.standIn = () => {
      const age = track.pictureAgeMs();
      const shown = guestStandIn(track.status, Number.isFinite(age) ? Math.max(age, performance.now() - decoded.at) : age);
      if (shown === 'own') return null;
      return card.show(what, shown === 'joining' ? 'Joining the show…' : shown === 'soundOnly' ? 'On the show, sound only' : 'Reconnecting…');
    };
  }
  track.network = async () => {
    if (!pull || pull.pc.connectionState !== 'connected') return null;
    const report = await pull.pc.getStats();
    const stats = receiveStats(previous ? ([...previous.values()] as Record<string, unknown>[]) : null, [...report.values()] as Record<string, unknown>[]);
    previous = report;
    return stats;
  };
  return track;
}

/** A running source for `source`: capture starts at once, except screens (they wait for a click). */
export function createSource(source: Source): LiveSource {
  const s = source.settings;
  switch (s.kind) {
    case 'camera':
      return new TrackSource(source.id, s.kind, { what: 'camera', open: () => openDevice(s, false), reopenOnDeviceChange: true, needsGesture: false, stallMs: 2000 });
    case 'microphone':
      return new TrackSource(source.id, s.kind, { what: 'microphone', open: () => openDevice(s, source.audio.noiseSuppression), reopenOnDeviceChange: true, needsGesture: false, stallMs: 0 });
    case 'screen':
      return new TrackSource(source.id, s.kind, {
        what: 'screen',
        open: () =>
          navigator.mediaDevices.getDisplayMedia({
            video: { displaySurface: s.surface, frameRate: { ideal: s.frameRate } } as MediaTrackConstraints,
            audio: s.audio,
          }),
        reopenOnDeviceChange: false,
        needsGesture: true,
        stallMs: 0,
      });
    case 'stream':
      if (s.via === 'llhls') return new HlsPullSource(source.id, s.stream);
      return whepSource(source.id, s.kind, s.stream);
    case 'guest':
      // The guest's WHIP, relayed by the host: it waits (like an unplugged device) until they are on the show.
      return whepSource(source.id, s.kind, source.name, `/guest/${encodeURIComponent(s.guestId)}/whep`);
    case 'image':
      return new ImageSource(source.id, s);
    case 'slideshow':
      return new SlideshowSource(source.id, s);
    case 'video':
      return new VideoFileSource(source.id, s);
    case 'text':
      return new TextSource(source.id, s);
    case 'color':
      return new ColorSource(source.id, s);
    case 'overlay':
      return new OverlaySource(source.id, s);
  }
}
