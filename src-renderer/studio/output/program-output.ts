import { encoderStats, type EncoderStats } from './encoder-stats.js';
import { preferH264, withBitrateHints } from './sdp-bitrate.js';
import { errorOf, gathered } from './webrtc-client.js';

export interface ProgramOutputOptions {
  /** The program canvas (the compositor draws it at the program size). */
  canvas: HTMLCanvasElement;
  /** The mixer's program sound. */
  audio: MediaStream | null;
  fps: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
  /** `/live/<stream>/whip` on the host, relative to the page or absolute (the signed-in page needs no stream key). */
  whipUrl: string;
}

export type OutputState = 'idle' | 'connecting' | 'live' | 'failed';


/**
 * Program out: the composed picture (the canvas's frames) and the mix, encoded by the browser's
 * WebRTC encoder (hardware where it has one) and published to the host's Path over WHIP, where
 * everything the host does with a publisher applies (LL-HLS/DASH, WHEP, recording, restreaming).
 * The host asks for a keyframe every 2 s (its segment length); the bitrate is held near the chosen
 * one (start, min and max hints) at the full program size.
 */
export class ProgramOutput {
  state: OutputState = 'idle';
  error: string | null = null;
  onState: ((state: OutputState) => void) | null = null;
  private pc: RTCPeerConnection | null = null;
  private location: string | null = null;
  private media: MediaStream | null = null;
  private lastReport: Record<string, unknown>[] | null = null;
  private track: CanvasCaptureMediaStreamTrack | null = null;

  /**
   * A page that is closed or reloaded frees its publish at once, so the next page can take the stream
   * over; it says it is coming back, so the host keeps the stream's viewers waiting for it (a freeze, not an end).
   */
  private readonly onPageHide = (): void => this.stop({ returning: true });

  constructor(private readonly options: ProgramOutputOptions) {
    window.addEventListener('pagehide', this.onPageHide);
  }

  async start(): Promise<void> {
    const o = this.options;
    this.set('connecting');
    try {
      // Frame rate 0: a frame is taken only when the engine says one was drawn (frameDrawn), every one of them.
      const media = o.canvas.captureStream(0);
      const video = media.getVideoTracks()[0]! as CanvasCaptureMediaStreamTrack;
      this.track = video;
      video.contentHint = 'motion';
      this.media = media;
      const pc = new RTCPeerConnection();
      this.pc = pc;
      const vt = pc.addTransceiver(video, {
        direction: 'sendonly',
        sendEncodings: [{ maxBitrate: o.videoBitrateKbps * 1000, maxFramerate: o.fps }],
      });
      const capabilities = RTCRtpSender.getCapabilities('video');
      if (capabilities && 'setCodecPreferences' in vt) vt.setCodecPreferences(preferH264(capabilities.codecs));
      // Downstream packagers want one picture size for the whole show: under load drop quality, not size.
      const params = vt.sender.getParameters();
      params.degradationPreference = 'maintain-resolution';
      await vt.sender.setParameters(params).catch(() => undefined);
      const sound = o.audio?.getAudioTracks()[0];
      if (sound) pc.addTransceiver(sound, { direction: 'sendonly', sendEncodings: [{ maxBitrate: o.audioBitrateKbps * 1000 }] });
      pc.addEventListener('connectionstatechange', () => {
        if (pc !== this.pc) return;
        if (pc.connectionState === 'connected') this.set('live');
        if (pc.connectionState === 'failed') this.fail('the connection to the host failed');
      });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const whipUrl = new URL(o.whipUrl, window.location.href).href;
      const res = await fetch(whipUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription!.sdp, credentials: 'same-origin' });
      if (res.status !== 201) throw new Error(await errorOf(res));
      this.location = new URL(res.headers.get('Location') ?? '', whipUrl).href;
      await pc.setRemoteDescription({ type: 'answer', sdp: withBitrateHints(await res.text(), o.videoBitrateKbps) });
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** The program canvas has a new frame: it goes to the encoder. */
  frameDrawn(): void {
    this.track?.requestFrame();
  }

  /** Ends the publish at once (the host frees the session and the stream ends, or waits for it: `returning`). */
  stop(options: { returning?: boolean } = {}): void {
    const location = this.location;
    this.release();
    const url = location && options.returning ? `${location}${location.includes('?') ? '&' : '?'}returning=1` : location;
    if (url) void fetch(url, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(() => undefined);
    this.set('idle');
  }

  /** The encoder's figures since the previous call. */
  async stats(): Promise<EncoderStats | null> {
    if (!this.pc) return null;
    const report = [...(await this.pc.getStats()).values()] as Record<string, unknown>[];
    const stats = encoderStats(this.lastReport, report);
    this.lastReport = report;
    return stats;
  }

  private fail(reason: string): void {
    this.error = reason;
    this.release();
    this.set('failed');
  }

  private release(): void {
    window.removeEventListener('pagehide', this.onPageHide);
    this.pc?.close();
    this.pc = null;
    this.location = null;
    this.lastReport = null;
    this.media?.getTracks().forEach((t) => t.stop());
    this.media = null;
    this.track = null;
  }

  private set(state: OutputState): void {
    if (state !== 'failed') this.error = null;
    this.state = state;
    this.onState?.(state);
  }
}
