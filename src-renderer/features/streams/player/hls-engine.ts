import { seekableSpan, wallClockLatencySec } from '../../../../src-shared/dvr.js';
import { elementDvr, finite, levelLabel, releaseVideo, sidOf, type EngineCallbacks, type PreviewEngine } from './engine.js';

/** Safari (and iOS) play HLS themselves: no level control, latency from the seekable range. */
function nativeEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): PreviewEngine {
  const onError = () => callbacks.onError(video.error?.message || 'the browser could not play this stream');
  // Safari exposes the playlist's PROGRAM-DATE-TIME as the date of media time 0.
  const startDate = (video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate;
  const wallClock = () => wallClockLatencySec(Date.now(), startDate ? startDate.call(video).getTime() + video.currentTime * 1000 : null);
  video.addEventListener('error', onError);
  video.src = url;
  void video.play().catch(() => undefined);
  return {
    kind: 'native HLS',
    levels: () => [],
    currentLevel: () => null,
    setLevel: () => undefined,
    latencySec: () => {
      const span = seekableSpan(video.seekable);
      return wallClock() ?? (span ? finite(span.end - video.currentTime) : null);
    },
    wallClockLatencySec: wallClock,
    dvr: () => elementDvr(video, null, 2),
    goLive: () => {
      const span = seekableSpan(video.seekable);
      if (span) video.currentTime = span.end;
    },
    sessionId: () => null,
    destroy: () => {
      video.removeEventListener('error', onError);
      releaseVideo(video);
    },
  };
}

/** hls.js where Media Source Extensions exist, native HLS where only that exists (Safari). */
export async function createHlsEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): Promise<PreviewEngine> {
  const { default: Hls } = await import('hls.js');
  if (!Hls.isSupported()) {
    if (video.canPlayType('application/vnd.apple.mpegurl')) return nativeEngine(video, url, callbacks);
    throw new Error('this browser can play HLS neither with Media Source Extensions nor natively');
  }
  // The first playlist may not exist yet in the seconds after a publish starts: retry it a while.
  const retry = { maxNumRetry: 8, retryDelayMs: 1000, maxRetryDelayMs: 3000 };
  // lowLatencyMode plays LL-HLS at its PART-HOLD-BACK (no liveSync* option here: one would override it);
  // a little speed-up (10 %) brings a player that fell behind back to its target.
  const hls = new Hls({
    lowLatencyMode: true,
    maxLiveSyncPlaybackRate: 1.1,
    manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 10_000, maxLoadTimeMs: 20_000, timeoutRetry: retry, errorRetry: retry } },
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    callbacks.onUpdate();
    void video.play().catch(() => undefined);
  });
  hls.on(Hls.Events.LEVEL_SWITCHED, () => callbacks.onUpdate());
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) callbacks.onError(`${data.type}: ${data.details}`);
  });
  const wallClock = () => wallClockLatencySec(Date.now(), hls.playingDate?.getTime());
  hls.loadSource(url);
  hls.attachMedia(video);
  return {
    kind: 'hls.js',
    levels: () => hls.levels.map((l, index) => ({ index, height: l.height, bitrateKbps: l.bitrate / 1000, label: levelLabel(l.height, l.bitrate / 1000, l.name) })),
    currentLevel: () => (hls.currentLevel >= 0 ? hls.currentLevel : null),
    setLevel: (index) => {
      // currentLevel switches now (flushing the buffer); -1 hands the choice back to ABR.
      hls.currentLevel = index;
    },
    latencySec: () => wallClock() ?? finite(hls.latency),
    wallClockLatencySec: wallClock,
    dvr: () => {
      const details = hls.latestLevelDetails;
      return details?.live ? elementDvr(video, hls.liveSyncPosition, details.partTarget || details.targetduration || 2) : null;
    },
    goLive: () => {
      if (hls.liveSyncPosition !== null) video.currentTime = hls.liveSyncPosition;
    },
    sessionId: () => sidOf(hls.levels[0]?.uri),
    destroy: () => {
      hls.destroy();
      releaseVideo(video);
    },
  };
}
