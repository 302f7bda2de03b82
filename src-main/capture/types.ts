import type { FfmpegCaps } from '../encoder/capabilities.js';

/** What to capture: a whole display, or a rectangle of it (a window is captured as its rectangle). */
export interface CaptureTarget {
  /** The display as the OS names it (`:5` on Linux). */
  display: string;
  width: number;
  height: number;
  /** Top-left corner of the captured rectangle; 0,0 for a whole screen. */
  x?: number;
  y?: number;
}

export interface CaptureOptions {
  target: CaptureTarget;
  fps: number;
  encoder: string;
  bitrateKbps: number;
  /** Loopback UDP port the RTP goes to. */
  rtpPort: number;
  /** Show the pointer in the picture. */
  drawMouse: boolean;
  /** Encode at this size instead of the captured one (adaptation to a poor network). */
  outputSize?: { width: number; height: number };
  /** What the found ffmpeg accepts; a current ffmpeg when omitted. */
  caps?: FfmpegCaps;
  /**
   * The frames come on ffmpeg's stdin as raw pictures of the target's size in this pixel format (a
   * native capture: PipeWire on Wayland) instead of from ffmpeg's own grabber.
   */
  rawInput?: { pixelFormat: string };
}

/** Builds the ffmpeg arguments that capture and encode a target as H.264 RTP on loopback. */
export type CaptureArgsBuilder = (options: CaptureOptions) => string[];

export interface ScreenInputOptions {
  target: CaptureTarget;
  fps: number;
  drawMouse: boolean;
  /** The encoder the frames go to (some take GPU frames as they are). */
  encoder: string;
  /** The frames are scaled before encoding (they must be in system memory then). */
  scaled: boolean;
}

/** How one OS grabs a screen: ffmpeg input arguments, and filters its frames need before encoding. */
export interface ScreenInput {
  args: string[];
  filters: string[];
}

export type ScreenInputBuilder = (options: ScreenInputOptions) => ScreenInput;
