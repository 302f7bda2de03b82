import { elementDvr, finite, levelLabel, releaseVideo, sidOf, type EngineCallbacks, type PreviewEngine } from './engine.js';

/**
 * dash.js reports recoverable trouble (a failed clock sync, a segment retried) as `error` too; only
 * these leave it unable to play: the MPD cannot be loaded or parsed, or the browser cannot decode it.
 */
const FATAL_CODES = new Set([10, 11, 23, 25, 31, 32, 34, 35]);

/** dash.js for the MPD; a fixed level turns its ABR off, Auto turns it back on. */
export async function createDashEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): Promise<PreviewEngine> {
  const { MediaPlayer, supportsMediaSource } = await import('dashjs');
  if (!supportsMediaSource()) throw new Error('this browser lacks Media Source Extensions, which DASH playback needs');
  const player = MediaPlayer().create();
  const setAbr = (on: boolean) => player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: on } } } });
  // The default clock is a third-party server (time.akamai.com, refused by our CSP): read the Date
  // header of the host that serves the MPD instead, when the MPD names no UTCTiming of its own.
  const utc = { defaultTimingSource: { scheme: 'urn:mpeg:dash:utc:http-head:2014', value: url } };
  player.updateSettings({ debug: { logLevel: 1 }, streaming: { utcSynchronization: utc, retryAttempts: { MPD: 8 }, retryIntervals: { MPD: 1000 } } });
  player.on(MediaPlayer.events.STREAM_INITIALIZED, () => callbacks.onUpdate());
  player.on(MediaPlayer.events.QUALITY_CHANGE_RENDERED, () => callbacks.onUpdate());
  player.on(MediaPlayer.events.ERROR, (e) => {
    const error = (e as { error?: { message?: string | null; code?: number | null } }).error;
    if (error?.code != null && FATAL_CODES.has(error.code)) callbacks.onError(error.message ?? `dash.js error ${error.code}`);
  });
  // The host puts the viewer's sid into the segment addresses of the MPD: read it off the first request.
  let sid: string | null = null;
  player.addRequestInterceptor((request) => {
    sid ??= sidOf(request.url);
    return Promise.resolve(request);
  });
  player.initialize(video, url, true);
  const representations = () => player.getRepresentationsByType('video');
  const liveLatency = () => {
    const sec = finite(player.getCurrentLiveLatency());
    return sec !== null && sec > 0 ? sec : null;
  };
  // Where dash.js would play live: the seekable end less the delay it targets.
  const dashLivePoint = () => {
    const end = video.seekable.length > 0 ? video.seekable.end(video.seekable.length - 1) : null;
    const delay = finite(player.getTargetLiveDelay());
    return end === null ? null : end - (delay ?? 0);
  };
  return {
    kind: 'dash.js',
    levels: () =>
      representations().map((r, index) => ({ index, height: r.height, bitrateKbps: r.bitrateInKbit, label: levelLabel(r.height, r.bitrateInKbit, r.id) })),
    currentLevel: () => {
      const current = player.getCurrentRepresentationForType('video');
      if (!current) return null;
      const index = representations().findIndex((r) => r.id === current.id);
      return index >= 0 ? index : null;
    },
    setLevel: (index) => {
      setAbr(index < 0);
      if (index >= 0) player.setRepresentationForTypeByIndex('video', index, true);
    },
    // dash.js reads the latency against the host's clock (UTCTiming): glass to glass.
    latencySec: () => liveLatency(),
    wallClockLatencySec: () => liveLatency(),
    dvr: () => (player.isDynamic() ? elementDvr(video, dashLivePoint(), 2) : null),
    goLive: () => player.seekToOriginalLive(),
    sessionId: () => sid,
    destroy: () => {
      player.destroy();
      releaseVideo(video);
    },
  };
}
