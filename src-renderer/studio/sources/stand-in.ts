import type { Drawable, SourceStatus } from '../types.js';
import { BaseSource } from './base.js';

/** A guest whose picture stopped is held on their last picture this long, then shown as their stand-in. */
export const FREEZE_MS = 3000;

/**
 * What the show shows of a guest now: their own picture (live, or frozen on the last one for a moment
 * when it stalls), or their stand-in card saying they are joining or reconnecting.
 */
export function guestStandIn(status: SourceStatus, pictureAgeMs: number): 'own' | 'joining' | 'reconnecting' | 'soundOnly' {
  // Live without ever a picture: a guest who shares no camera.
  if (status === 'live' && !Number.isFinite(pictureAgeMs)) return 'soundOnly';
  // Live or stalled: their own picture, frozen for a moment when no new one comes.
  if (status === 'live' || status === 'stalled') return pictureAgeMs < FREEZE_MS ? 'own' : 'reconnecting';
  // Starting, lost or failed: never a picture yet (joining), or after one (reconnecting).
  return Number.isFinite(pictureAgeMs) ? 'reconnecting' : 'joining';
}

/** Video frames decoded so far by a pull's connection (its inbound video in a getStats report). */
export function framesDecoded(report: readonly Record<string, unknown>[]): number {
  const video = report.find((r) => r.type === 'inbound-rtp' && r.kind === 'video');
  return typeof video?.framesDecoded === 'number' ? video.framesDecoded : 0;
}

const W = 640;
const H = 360;

/** A card with the guest's name and a line under it, drawn again only when the words change. */
export class StandInCard extends BaseSource {
  readonly kind = 'stand-in';
  private readonly picture: HTMLCanvasElement = Object.assign(document.createElement('canvas'), { width: W, height: H });
  private words = '';

  constructor(id: string) {
    super(id);
  }

  /** Shows `name` and `line`; a new picture only when they changed. */
  show(name: string, line: string): this {
    if (`${name}\n${line}` === this.words) return this;
    this.words = `${name}\n${line}`;
    const ctx = this.picture.getContext('2d')!;
    ctx.fillStyle = '#161b26';
    ctx.fillRect(0, 0, W, H);
    // A round badge with the initials, the name under it, then the line.
    const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]!.toUpperCase()).join('') || '?';
    ctx.fillStyle = '#3a4660';
    ctx.beginPath();
    ctx.arc(W / 2, H / 2 - 40, 56, 0, Math.PI * 2);
    ctx.fill();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#e8ecf4';
    ctx.font = '600 44px system-ui, sans-serif';
    ctx.fillText(initials, W / 2, H / 2 - 38);
    ctx.font = '600 30px system-ui, sans-serif';
    ctx.fillText(name, W / 2, H / 2 + 50, W - 40);
    ctx.fillStyle = '#9aa3b5';
    ctx.font = '22px system-ui, sans-serif';
    ctx.fillText(line, W / 2, H / 2 + 92, W - 40);
    this.advanced(W, H);
    return this;
  }

  current(): Drawable | null {
    return this.picture;
  }
}
