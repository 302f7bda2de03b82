import { finite, releaseVideo, type EngineCallbacks, type PreviewEngine } from './engine.js';
import { latencyFromStats, videoBytesReceived, watchWhep, type WebRtcSession } from '../../../studio/output/webrtc-client.js';

/** WebRTC preview (WHEP): one level (the source as it arrives, at the rate it arrives), latency from getStats. */
export async function createWebRtcEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): Promise<PreviewEngine> {
  const session: WebRtcSession = await watchWhep(url, video);
  let latency: number | null = null;
  const onState = () => {
    const state = session.pc.connectionState;
    if (state === 'failed' || state === 'closed') callbacks.onError(`WebRTC connection ${state}`);
  };
  session.pc.addEventListener('connectionstatechange', onState);
  // The video's receive rate over the last second: unknown (shown as a dash) until two counts a second apart.
  let bitrateKbps = Number.NaN;
  let lastCount: { bytes: number; atMs: number } | null = null;
  const timer = setInterval(() => {
    void session.pc.getStats().then((report) => {
      latency = latencyFromStats(report);
      const count = videoBytesReceived(report);
      if (count && lastCount && count.atMs > lastCount.atMs) bitrateKbps = ((count.bytes - lastCount.bytes) * 8) / (count.atMs - lastCount.atMs);
      lastCount = count;
      callbacks.onUpdate();
    });
  }, 1000);
  return {
    kind: 'WebRTC',
    // One level: the stream as it arrives (WebRTC carries the source, not the ladder).
    levels: () => (video.videoHeight > 0 ? [{ index: 0, label: `${video.videoHeight}p`, height: video.videoHeight, bitrateKbps }] : []),
    currentLevel: () => (video.videoHeight > 0 ? 0 : null),
    setLevel: () => undefined,
    latencySec: () => finite(latency),
    wallClockLatencySec: () => finite(latency),
    dvr: () => null,
    goLive: () => undefined,
    // The host counts a WHEP viewer as "w" + the id its Location ends with.
    sessionId: () => `w${new URL(session.location).pathname.split('/').pop() ?? ''}`,
    destroy: () => {
      clearInterval(timer);
      session.pc.removeEventListener('connectionstatechange', onState);
      session.close();
      video.srcObject = null;
      releaseVideo(video);
    },
  };
}
