import { finite, levelLabel, releaseVideo, sidOf, type EngineCallbacks, type PreviewEngine } from './engine.js';

/** Safari (and iOS) play HLS themselves: no level control, latency from the seekable range. */
function nativeEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): PreviewEngine {
  const onError = () => callbacks.onError(video.error?.message || 'the browser could not play this stream');
  video.addEventListener('error', onError);
  video.src = url;
  void video.play().catch(() => undefined);
  return {
    kind: 'native HLS',
    levels: () => [],
    currentLevel: () => null,
    setLevel: () => undefined,
    latencySec: () => (video.seekable.length > 0 ? finite(video.seekable.end(video.seekable.length - 1) - video.currentTime) : null),
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
  const hls = new Hls({
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
    latencySec: () => finite(hls.latency),
    sessionId: () => sidOf(hls.levels[0]?.uri),
    destroy: () => {
      hls.destroy();
      releaseVideo(video);
    },
  };
}
