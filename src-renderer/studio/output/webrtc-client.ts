/**
 * WHEP/WHIP clients for the browser (the stream pages' players and the studio's program out and pulls): one offer with all candidates, the answer from the host, and a
 * DELETE of the session's Location when done (the host frees it at once).
 */

export interface WebRtcSession {
  pc: RTCPeerConnection;
  /** Absolute URL of the session resource. */
  location: string;
  /** Absolute URL of its layer choice (the WHEP layer extension), when the publisher sends simulcast. */
  layerUrl?: string;
  close(): void;
}

/** The WHEP layer extension's link relation. */
const LAYER_REL = 'urn:ietf:params:whep:ext:core:layer';

/** The URL a Link header names with `rel`, resolved against `base`. */
export function linkOf(header: string | null, rel: string, base: string): string | undefined {
  for (const part of (header ?? '').split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rels = m ? (/;\s*rel="?([^";]*)"?/.exec(m[2]!)?.[1] ?? '').split(/\s+/) : [];
    if (m && rels.includes(rel)) return new URL(m[1]!, base).href;
  }
  return undefined;
}

/** Waits for ICE gathering to complete (3 s at most): WHIP and WHEP send one offer with every candidate. */
export async function gathered(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** The host's JSON error as one line ("CODE: message"), or the HTTP status. */
export async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) return `${body.error.code}: ${body.error.message ?? ''}`;
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}`;
}

/** Offers `pc` to a WHIP or WHEP `url` and applies the answer; on a refusal the connection is closed and the error says the host's code. */
export async function signal(pc: RTCPeerConnection, url: string, headers: Record<string, string>): Promise<WebRtcSession> {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', ...headers },
    body: pc.localDescription!.sdp,
    credentials: 'same-origin',
  });
  if (res.status !== 201) {
    pc.close();
    throw new Error(await errorOf(res));
  }
  const answer = await res.text();
  const location = new URL(res.headers.get('Location') ?? '', url).href;
  const layerUrl = linkOf(res.headers.get('Link'), LAYER_REL, url);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  let closed = false;
  return {
    pc,
    location,
    ...(layerUrl ? { layerUrl } : {}),
    close: () => {
      if (closed) return;
      closed = true;
      pc.close();
      void fetch(location, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(() => undefined);
    },
  };
}

/** Watches `whepUrl` into `video` (muted autoplay; the caller unmutes). */
export async function watchWhep(whepUrl: string, video: HTMLVideoElement): Promise<WebRtcSession> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.addEventListener('track', (e) => {
    stream.addTrack(e.track);
    video.srcObject = stream;
    void video.play().catch(() => undefined);
  });
  return signal(pc, whepUrl, {});
}

/** Publishes `media` to `whipUrl`; `key` is the stream key (a signed-in studio page may send none). */
export async function publishWhip(whipUrl: string, media: MediaStream, key?: string): Promise<WebRtcSession> {
  const pc = new RTCPeerConnection();
  for (const track of media.getTracks()) pc.addTransceiver(track, { direction: 'sendonly' });
  return signal(pc, whipUrl, key ? { Authorization: `Bearer ${key}` } : {});
}

/**
 * Seconds from the publisher's packet to the screen as this receiver can measure it: half the round
 * trip plus the jitter buffer's average delay (the decoder's share is not in getStats).
 */
export function latencyFromStats(report: RTCStatsReport): number | null {
  let rtt: number | null = null;
  let buffer: number | null = null;
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime;
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      const delay = s.jitterBufferDelay as number | undefined;
      const count = s.jitterBufferEmittedCount as number | undefined;
      if (delay !== undefined && count) buffer = delay / count;
    }
  });
  if (buffer === null) return null;
  return (rtt ?? 0) / 2 + buffer;
}

/** The video bytes received so far and getStats' time of the count (ms), or null before the first video packet. */
export function videoBytesReceived(report: RTCStatsReport): { bytes: number; atMs: number } | null {
  let found: { bytes: number; atMs: number } | null = null;
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && typeof s.bytesReceived === 'number' && typeof s.timestamp === 'number') {
      found = { bytes: s.bytesReceived, atMs: s.timestamp };
    }
  });
  return found;
}

/**
 * WHEP or WHIP endpoint of a stream from its HLS URL (`.../live/<name>/index.m3u8[?sig]` -> `.../live/<name>/whep[?sig]`).
 * A private stream's signature is for viewers: the WHIP endpoint drops it.
 */
export function endpointOf(hlsUrl: string, kind: 'whep' | 'whip'): string {
  const url = new URL(hlsUrl, window.location.href);
  url.pathname = url.pathname.replace(/\/index\.m3u8$/, `/${kind}`);
  if (kind === 'whip') url.search = '';
  return url.href;
}
