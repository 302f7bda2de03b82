import type { WebRtcSession } from '../studio/output/webrtc-client.js';

/** A connection that stays disconnected this long is made again (the host keeps a guest's slot for 15 s). */
export const RECONNECT_MS = 3000;

export interface KeptSession {
  /** The session up now, else null. */
  current(): WebRtcSession | null;
  /** No more tries; the session closes. */
  stop(): void;
}

/**
 * Keeps a WebRTC session up: opens it, and again when it fails or closes (at once) or stays
 * disconnected for RECONNECT_MS; an open the host refuses (or cannot answer) is tried again after
 * RECONNECT_MS. `on.up` hears each new session, `on.state` its connection's states, `on.refused` why
 * an open failed.
 */
export function keepSession(
  open: () => Promise<WebRtcSession>,
  on: { up?(session: WebRtcSession): void; state?(state: RTCPeerConnectionState): void; refused?(error: unknown): void } = {},
): KeptSession {
  let stopped = false;
  let current: WebRtcSession | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const again = (s: WebRtcSession | null, afterMs: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (stopped || current !== s) return;
      s?.close();
      current = null;
      start();
    }, afterMs);
  };
  const start = (): void => {
    void open().then(
      (s) => {
        if (stopped) return s.close();
        current = s;
        on.up?.(s);
        s.pc.addEventListener('connectionstatechange', () => {
          if (current !== s) return;
          const state = s.pc.connectionState;
          on.state?.(state);
          if (state === 'connected') clearTimeout(timer);
          else if (state === 'failed' || state === 'closed') again(s, 0);
          else if (state === 'disconnected') again(s, RECONNECT_MS);
        });
      },
      (error: unknown) => {
        on.refused?.(error);
        if (!stopped) again(null, RECONNECT_MS);
      },
    );
  };
  start();
  return {
    current: () => current,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      current?.close();
      current = null;
    },
  };
}
