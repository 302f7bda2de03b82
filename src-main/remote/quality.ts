/**
 * Resolution and bitrate adaptation of a remote-desktop capture (pure; clock in the samples).
 * ffmpeg cannot change an encoder's size or rate while it runs, so each level is an encoder
 * configuration and a change restarts the capture (a keyframe within the first frame): levels move
 * one step at a time, down fast on loss or queueing delay, up slowly once the network has been clean.
 */

export interface QualityLevel {
  /** Picture size as a fraction of the display's. */
  scale: number;
  /** Bitrate as a fraction of the configured full-quality bitrate. */
  bitrate: number;
  /** Frame rate as a fraction of the display's. */
  fps: number;
}

export const QUALITY_LEVELS: readonly QualityLevel[] = [
  { scale: 1, bitrate: 1, fps: 1 },
  { scale: 1, bitrate: 0.6, fps: 1 },
  { scale: 0.75, bitrate: 0.4, fps: 1 },
  { scale: 0.5, bitrate: 0.25, fps: 0.5 },
];
export const LOWEST_LEVEL = QUALITY_LEVELS.length - 1;

export interface EncodeSettings {
  width: number;
  height: number;
  bitrateKbps: number;
  fps: number;
}

const even = (n: number): number => Math.max(2, Math.floor(n / 2) * 2);

/** What a level means for a display: even picture sizes (x264 needs them), at least 160 pixels wide. */
export function encodeSettings(level: number, display: { width: number; height: number; fps: number }, fullBitrateKbps: number): EncodeSettings {
  const l = QUALITY_LEVELS[Math.min(LOWEST_LEVEL, Math.max(0, level))]!;
  const scale = Math.max(l.scale, Math.min(1, 160 / display.width));
  return {
    width: even(display.width * scale),
    height: even(display.height * scale),
    bitrateKbps: Math.max(150, Math.round(fullBitrateKbps * l.bitrate)),
    fps: Math.max(5, Math.round(display.fps * l.fps)),
  };
}

/** One RTCP receiver report of a viewer: what it lost since the last one, and the round trip. */
export interface NetworkSample {
  at: number;
  /** Fraction of packets lost since the previous report (0..1). */
  lossFraction: number;
  rttMs?: number;
}

export const LOSS_BAD = 0.05;
export const LOSS_CLEAN = 0.01;
/** Queueing delay over the lowest round trip seen that counts as congestion. */
export const RTT_RISE_BAD_MS = 200;
export const RTT_RISE_CLEAN_MS = 60;
/** Two bad reports within this window step down. */
export const BAD_WINDOW_MS = 3000;
/** After a change, reports are ignored this long (the capture restarts, old reports drain). */
export const SETTLE_MS = 3000;
/** Clean reports for this long step up; doubled after each step up that had to be undone, up to the max. */
export const CLEAN_BEFORE_UP_MS = 10_000;
export const MAX_CLEAN_BEFORE_UP_MS = 80_000;

/** The automatic level of one viewer, fed with its receiver reports. */
export class QualityController {
  level = 0;
  private minRtt = Infinity;
  private bad: number[] = [];
  private cleanSince: number | undefined;
  private settledAt = -Infinity;
  private upWait = CLEAN_BEFORE_UP_MS;
  private lastUpAt: number | undefined;

  /** Takes a report; returns the new level when it changes. */
  observe(sample: NetworkSample): number | undefined {
    if (sample.rttMs !== undefined && sample.rttMs >= 0) this.minRtt = Math.min(this.minRtt, sample.rttMs);
    if (sample.at < this.settledAt + SETTLE_MS) return undefined;
    const rise = sample.rttMs !== undefined && Number.isFinite(this.minRtt) ? sample.rttMs - this.minRtt : 0;
    if (sample.lossFraction >= LOSS_BAD || rise >= RTT_RISE_BAD_MS) {
      this.cleanSince = undefined;
      this.bad = [...this.bad.filter((t) => sample.at - t < BAD_WINDOW_MS), sample.at];
      if (this.bad.length < 2 || this.level === LOWEST_LEVEL) return undefined;
      // A step up undone within the wait that earned it: probe less often.
      if (this.lastUpAt !== undefined && sample.at - this.lastUpAt < this.upWait) this.upWait = Math.min(MAX_CLEAN_BEFORE_UP_MS, this.upWait * 2);
      return this.change(this.level + 1, sample.at);
    }
    if (sample.lossFraction < LOSS_CLEAN && rise < RTT_RISE_CLEAN_MS) {
      this.cleanSince ??= sample.at;
      if (this.level > 0 && sample.at - this.cleanSince >= this.upWait) {
        this.lastUpAt = sample.at;
        return this.change(this.level - 1, sample.at);
      }
    } else {
      this.cleanSince = undefined;
    }
    return undefined;
  }

  private change(level: number, at: number): number {
    this.level = level;
    this.bad = [];
    this.cleanSince = undefined;
    this.settledAt = at;
    return level;
  }
}
