/**
 * What the program's encoder does, from two WebRTC stats reports a second or so apart (pure: the
 * reports are plain objects, so fixtures test it): frames per second sent, frames the encoder or the
 * capture dropped, the encoder's name and whether it is hardware, the bitrate, and why the quality is
 * held back (cpu, bandwidth).
 */
export interface EncoderStats {
  fps: number;
  framesSent: number;
  /** Frames the canvas gave that never went out (encoder or pacer dropped them), since the start. */
  framesDropped: number;
  encoder: string;
  /** null when the browser does not say. */
  hardware: boolean | null;
  codec: string;
  bitrateKbps: number;
  audioBitrateKbps: number;
  width: number;
  height: number;
  qualityLimitation: string;
  /** Round trip to the host, ms. */
  rttMs: number | null;
  /** Packets the host asked for again (lost on the way), and pictures it asked for whole (it could not decode), since the start. */
  nacks: number;
  keyframeRequests: number;
}

export type Stat = Record<string, unknown>;
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function byType(report: Iterable<Stat>, type: string, kind?: string): Stat | undefined {
  for (const s of report) if (s.type === type && (kind === undefined || s.kind === kind)) return s;
  return undefined;
}

export function find(report: Iterable<Stat>, id: unknown): Stat | undefined {
  for (const s of report) if (s.id === id) return s;
  return undefined;
}

export function encoderStats(previous: Iterable<Stat> | null, report: Iterable<Stat>): EncoderStats {
  const list = [...report];
  const prev = previous ? [...previous] : [];
  const video = byType(list, 'outbound-rtp', 'video');
  const audio = byType(list, 'outbound-rtp', 'audio');
  const videoBefore = byType(prev, 'outbound-rtp', 'video');
  const audioBefore = byType(prev, 'outbound-rtp', 'audio');
  const source = byType(list, 'media-source', 'video');
  const codec = video ? find(list, video.codecId) : undefined;
  const pair = [...list].find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
  const seconds = (a: Stat | undefined, b: Stat | undefined) => (a && b ? (num(a.timestamp) - num(b.timestamp)) / 1000 : 0);
  const rate = (a: Stat | undefined, b: Stat | undefined, field: string) => {
    const dt = seconds(a, b);
    return dt > 0 ? (num(a![field]) - num(b![field])) / dt : 0;
  };
  const framesSent = num(video?.framesSent);
  // The canvas's frames (media-source.frames) that did not reach the wire.
  const framesDropped = Math.max(0, num(source?.frames) - num(video?.framesEncoded)) + num(video?.framesDiscardedOnSend);
  return {
    fps: video && typeof video.framesPerSecond === 'number' ? video.framesPerSecond : rate(video, videoBefore, 'framesSent'),
    framesSent,
    framesDropped,
    encoder: typeof video?.encoderImplementation === 'string' ? video.encoderImplementation : 'unknown',
    hardware: typeof video?.powerEfficientEncoder === 'boolean' ? video.powerEfficientEncoder : null,
    codec: typeof codec?.mimeType === 'string' ? codec.mimeType.replace(/^video\//, '') : 'unknown',
    bitrateKbps: Math.round((rate(video, videoBefore, 'bytesSent') * 8) / 1000),
    audioBitrateKbps: Math.round((rate(audio, audioBefore, 'bytesSent') * 8) / 1000),
    width: num(video?.frameWidth),
    height: num(video?.frameHeight),
    qualityLimitation: typeof video?.qualityLimitationReason === 'string' ? video.qualityLimitationReason : 'none',
    rttMs: pair && typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : null,
    nacks: num(video?.nackCount),
    keyframeRequests: num(video?.pliCount) + num(video?.firCount),
  };
}
