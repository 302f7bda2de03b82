/**
 * A live stream of this host as a source: a WHEP pull (the lowest latency). The page is on the host's
 * origin, so the endpoint is relative; a private stream needs the page's session (sent as a cookie).
 */
export async function pullWhep(stream: string, timeoutMs = 10_000): Promise<{ media: MediaStream; close(): void }> {
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
  let location: string | null = null;
  const close = () => {
    pc.close();
    if (location) void fetch(location, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(() => undefined);
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 3000);
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && (clearTimeout(timer), resolve()));
    });
    const url = new URL(`/live/${encodeURIComponent(stream)}/whep`, window.location.href).href;
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription!.sdp, credentials: 'same-origin' });
    if (res.status !== 201) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw Object.assign(new Error(body?.error?.message ?? `the stream ${stream} cannot be played (HTTP ${res.status})`), { name: res.status === 404 ? 'NotFoundError' : 'AbortError' });
    }
    location = new URL(res.headers.get('Location') ?? '', url).href;
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await Promise.race([gotVideo, new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error(`no picture from ${stream}`), { name: 'AbortError' })), timeoutMs))]);
  } catch (error) {
    close();
    throw error;
  }
  // The pull ends like an unplugged device when the stream goes away.
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') media.getTracks().forEach((t) => (t.stop(), t.dispatchEvent(new Event('ended'))));
  });
  return { media, close };
}
