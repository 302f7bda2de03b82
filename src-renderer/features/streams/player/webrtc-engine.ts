import { finite, releaseVideo, type EngineCallbacks, type PreviewEngine } from './engine.js';
import { receiveLatencySec, watchWhep, type WebRtcSession } from './whep-client.js';

/** WebRTC preview (WHEP): no levels (one rendition, the source), latency from getStats. */
export async function createWebRtcEngine(video: HTMLVideoElement, url: string, callbacks: EngineCallbacks): Promise<PreviewEngine> {
  const session: WebRtcSession = await watchWhep(url, video);
  let latency: number | null = null;
  const onState = () => {
    const state = session.pc.connectionState;
    if (state === 'failed' || state === 'closed') callbacks.onError(`WebRTC connection ${state}`);
  };
  session.pc.addEventListener('connectionstatechange', onState);
  const timer = setInterval(() => {
    void receiveLatencySec(session.pc).then((sec) => {
      latency = sec;
      callbacks.onUpdate();
    });
  }, 1000);
  return {
    kind: 'WebRTC',
    levels: () => [],
    currentLevel: () => null,
    setLevel: () => undefined,
    latencySec: () => finite(latency),
    sessionId: () => null,
    destroy: () => {
      clearInterval(timer);
      session.pc.removeEventListener('connectionstatechange', onState);
      session.close();
      video.srcObject = null;
      releaseVideo(video);
    },
  };
}
