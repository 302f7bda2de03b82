import { signal } from '../output/webrtc-client.js';

/**
 * A live stream of this host as a source: a WHEP pull (the lowest latency). The page is on the host's
 * origin, so the endpoint is relative; a private stream needs the page's session (sent as a cookie).
 * A stream that is not live rejects as a missing device would (NotFoundError), so the source waits for it.
 */
export async function pullWhep(stream: string, timeoutMs = 10_000, path = `/live/${encodeURIComponent(stream)}/whep`): Promise<{ media: MediaStream; pc: RTCPeerConnection; layerUrl?: string; close(): void }> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const media = new MediaStream();
  const gotVideo = new Promise<void>((resolve) => {
    pc.addEventListener('track', (e) => {
      media.addTrack(e.track);
      if (e.track.kind === 'video') resolve();
    });
  });
  const url = new URL(path, window.location.href).href;
  let session;
  try {
    session = await signal(pc, url, {});
  } catch (error) {
    const offline = /^(NOT_FOUND|STREAM_OFFLINE)/.test((error as Error).message);
    throw Object.assign(new Error(`the stream ${stream} cannot be played (${(error as Error).message})`), { name: offline ? 'NotFoundError' : 'AbortError' });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([gotVideo, new Promise((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`no picture from ${stream}`), { name: 'AbortError' })), timeoutMs)))]);
  } catch (error) {
    session.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  // The pull ends like an unplugged device when the stream goes away.
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') media.getTracks().forEach((t) => (t.stop(), t.dispatchEvent(new Event('ended'))));
  });
  return { media, pc, ...(session.layerUrl ? { layerUrl: session.layerUrl } : {}), close: () => session.close() };
}
