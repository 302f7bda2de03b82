import type { GuestChatLine, GuestView } from '../../src-shared/contract/guests.js';
import { signal, type WebRtcSession } from '../studio/output/webrtc-client.js';

/** A refusal from the host: its stable code, its words, and details (a link that ended says its state and reason). */
export class GuestRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The guest's id from `/guest/<id>` and the link's JWT from its #fragment (never sent in a request line). */
export function linkOf(location: { pathname: string; hash: string }): { id: string; token: string | null } {
  const id = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
  const token = location.hash.replace(/^#/, '').trim();
  return { id, token: token === '' ? null : token };
}

async function refusal(res: Response): Promise<GuestRequestError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (body.error?.code) return new GuestRequestError(body.error.code, body.error.message ?? '', body.error.details ?? {});
  } catch {
    // not JSON
  }
  return new GuestRequestError('UNAVAILABLE', `the host answered HTTP ${res.status}`);
}

/**
 * The guest's picture as three simulcast encodings (RFC 8853), the first the default: full size, half,
 * and a quarter (a 1280x720 camera gives 720p, 360p and 180p; the browser leaves out any it cannot make).
 */
export const GUEST_LAYERS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'f' },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 600_000 },
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 200_000 },
];

/** Adds a sending transceiver for `track`: a picture in GUEST_LAYERS, or as one encoding where simulcast is refused. */
function addSending(pc: RTCPeerConnection, track: MediaStreamTrack): void {
  if (track.kind === 'video') {
    try {
      pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: [...GUEST_LAYERS] });
      return;
    } catch {
      // A browser without simulcast: one encoding.
    }
  }
  pc.addTransceiver(track, { direction: 'sendonly' });
}

/** A WHIP/WHEP refusal ("CODE: message", as signal() words it) as a GuestRequestError. */
function signalError(error: unknown): GuestRequestError {
  const [code, ...rest] = (error as Error).message.split(': ');
  return new GuestRequestError(/^[A-Z_]+$/.test(code ?? '') ? code! : 'UNAVAILABLE', rest.join(': ') || (error as Error).message);
}

/** The guest's requests, each with the link's JWT as the Bearer. */
export function guestClient(id: string, token: string) {
  const base = `/guest/${encodeURIComponent(id)}`;
  const auth = { Authorization: `Bearer ${token}` };
  const json = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) }, cache: 'no-store' });
    } catch {
      throw new GuestRequestError('UNAVAILABLE', 'the studio cannot be reached: check your connection');
    }
    if (!res.ok) throw await refusal(res);
    return (await res.json()) as T;
  };
  return {
    id,
    token,
    state: () => json<GuestView>('/state'),
    say: (text: string) => json<GuestChatLine>('/chat', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) }),
    join: (name: string) => json<GuestView>('/join', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) }),
    /**
     * Sends the camera and microphone to the show (WHIP); Opus with in-band FEC, as browsers offer it;
     * the picture in three encodings (simulcast) where the browser has it, so that the studio takes a
     * smaller one when it shows this guest small.
     */
    publish: async (media: MediaStream): Promise<WebRtcSession> => {
      const pc = new RTCPeerConnection();
      for (const track of media.getTracks()) addSending(pc, track);
      try {
        return await signal(pc, new URL(`${base}/whip`, window.location.href).href, auth);
      } catch (error) {
        throw signalError(error);
      }
    },
    /** Watches the return feed (the show's picture when live, its sound without this guest's voice). */
    watchReturn: async (): Promise<{ session: WebRtcSession; media: MediaStream }> => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
      const media = new MediaStream();
      pc.addEventListener('track', (e) => media.addTrack(e.track));
      try {
        return { session: await signal(pc, new URL(`${base}/return/whep`, window.location.href).href, auth), media };
      } catch (error) {
        throw signalError(error);
      }
    },
  };
}
export type GuestClient = ReturnType<typeof guestClient>;

/** What the page says for a link that ended (GUEST_LINK_ENDED's details.state). */
export function endedWords(state: unknown, reason: unknown): { title: string; text: string } {
  const why = typeof reason === 'string' && reason !== '' ? reason : null;
  switch (state) {
    case 'expired':
      return { title: 'This invitation has expired', text: 'Ask the producer for a new link.' };
    case 'revoked':
      return { title: 'This invitation was withdrawn', text: 'The producer withdrew this link. Ask them for a new one if you should be on the show.' };
    case 'refused':
      return { title: 'The producer could not take you on', text: why ?? 'You were not let onto the show this time.' };
    case 'removed':
      return { title: 'You have left the show', text: why ?? 'The producer took you off the show. Thank you for joining.' };
    default:
      return { title: 'This invitation has ended', text: why ?? 'Ask the producer for a new link.' };
  }
}
