import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';
import type { PaintedScreen } from './x-screen.js';

/**
 * The studio's fake devices and the frame counter they carry. Chromium's fake camera reads a Y4M
 * file (looping it) and its fake microphone a WAV file: the camera burns its frame number into each
 * frame as a barcode of COUNTER.bits white/black blocks, so a viewer, a recording or the program canvas
 * can tell which camera frame it shows, and whether any was lost.
 */
export const COUNTER = { bits: 12, x0: 32, y0: 16, blockW: 40, blockH: 40, width: 640, height: 360 } as const;

/** The ffmpeg filter that draws frame `n`'s counter (black strip, a white block per set bit). */
export function counterFilter(): string {
  const { bits, x0, y0, blockW, blockH } = COUNTER;
  const f = [`drawbox=x=${x0 - 8}:y=${y0 - 8}:w=${bits * blockW + 16}:h=${blockH + 16}:color=black:t=fill`];
  for (let k = 0; k < bits; k++) f.push(`drawbox=x=${x0 + k * blockW}:y=${y0}:w=${blockW}:h=${blockH}:color=white:t=fill:enable='mod(floor(n/${2 ** k}),2)'`);
  return f.join(',');
}

export interface StudioFixtures {
  dir: string;
  y4m: string;
  wav: string;
  png: string;
  fps: number;
  /** Frames in the camera file before it loops. */
  frames: number;
}

/**
 * Writes the fake camera (a moving pattern with the counter, `fps`, `seconds` long), the fake
 * microphone (a 1 kHz tone at -20 dBFS) and a small PNG for an image source.
 */
export function makeStudioFixtures(options: { fps?: number; seconds?: number } = {}): StudioFixtures {
  const { fps = 15, seconds = 12 } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-studio-fixtures-'));
  const run = (args: string[]) => {
    const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  };
  const y4m = path.join(dir, 'camera.y4m');
  run(['-f', 'lavfi', '-i', `testsrc2=size=${COUNTER.width}x${COUNTER.height}:rate=${fps}`, '-t', String(seconds), '-vf', counterFilter(), '-pix_fmt', 'yuv420p', y4m]);
  const wav = path.join(dir, 'microphone.wav');
  // ffmpeg's sine is at 1/8 of full scale: x0.8 makes it 0.1, -20 dBFS.
  run(['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000', '-t', String(seconds), '-af', 'volume=0.8', '-ac', '1', wav]);
  const png = path.join(dir, 'logo.png');
  run(['-f', 'lavfi', '-i', 'color=c=0xff8800:size=320x180', '-frames:v', '1', '-vf', "drawbox=x=40:y=40:w=240:h=100:color=0x2040ff:t=fill", png]);
  return { dir, y4m, wav, png, fps, frames: fps * seconds };
}

/**
 * Chromium with the fixtures as its camera and microphone and no permission prompts. With `screen`
 * (an X display, see test-support/x-screen.ts) it runs with a window on that display, below the painted part, and a screen
 * capture takes the whole of it: Chromium's fake prompt would hand `getDisplayMedia` its fake screen,
 * so the real picker is used, told to choose the entire screen at once, and the camera and the
 * microphone are allowed per page instead (`STUDIO_PERMISSIONS`).
 */
export function launchStudioChromium(f: StudioFixtures, extraArgs: string[] = [], options: { screen?: PaintedScreen } = {}): Promise<Browser> {
  const devices = ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${f.y4m}`, `--use-file-for-fake-audio-capture=${f.wav}`];
  const { screen } = options;
  if (screen) {
    return launchChromium({
      headless: false,
      env: { ...process.env, DISPLAY: screen.display },
      args: [...devices, '--auto-select-desktop-capture-source=Entire screen', `--window-position=${screen.windowPosition}`, `--window-size=${screen.windowSize}`, ...extraArgs],
    });
  }
  return launchChromium({ args: ['--use-fake-ui-for-media-stream', ...devices, ...extraArgs] });
}

/** What a studio page needs allowed where Chromium's fake prompt is off. */
export const STUDIO_PERMISSIONS = ['camera', 'microphone'];

/**
 * Reads the counter from luma samples: `sample(x, y)` gives 0..255 at a point of the picture in which
 * the camera's 640x360 frame was drawn at `scale` from `origin`. null when the strip is not there.
 */
export function readCounter(sample: (x: number, y: number) => number, scale = 1, origin = { x: 0, y: 0 }): number | null {
  const { bits, x0, y0, blockW, blockH } = COUNTER;
  let value = 0;
  // The strip's black border must be black, or this is not a counter.
  if (sample(origin.x + (x0 - 4) * scale, origin.y + (y0 + blockH / 2) * scale) > 60) return null;
  for (let k = 0; k < bits; k++) {
    const v = sample(origin.x + (x0 + k * blockW + blockW / 2) * scale, origin.y + (y0 + blockH / 2) * scale);
    if (v > 60 && v < 190) return null;
    if (v >= 190) value |= 1 << k;
  }
  return value;
}

/** In the studio page: a video of the program canvas's own stream, `#program-tap` (a WebGL canvas cannot be read back after it was shown). */
export async function tapProgram(page: Page): Promise<void> {
  await page.evaluate(() => {
    if (document.getElementById('program-tap')) return;
    const canvas = document.querySelector('[data-testid=studio-program]') as HTMLCanvasElement;
    const video = Object.assign(document.createElement('video'), { id: 'program-tap', muted: true, autoplay: true });
    video.style.cssText = 'position:fixed;left:-10000px;width:320px';
    video.srcObject = canvas.captureStream(30);
    document.body.append(video);
    void video.play();
  });
}

/** In `page`: the counter of what the element (a canvas or a video, by CSS selector) shows now, the camera filling it. */
export async function counterIn(page: Page, selector: string): Promise<number | null> {
  return page.evaluate(
    ({ selector, c }) => {
      const el = document.querySelector(selector) as HTMLCanvasElement | HTMLVideoElement | null;
      if (!el) return null;
      const w = el instanceof HTMLVideoElement ? el.videoWidth : el.width;
      const h = el instanceof HTMLVideoElement ? el.videoHeight : el.height;
      if (!w || !h) return null;
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(el, 0, 0);
      const lum = (x: number, y: number) => {
        const d = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
        return 0.299 * d[0]! + 0.587 * d[1]! + 0.114 * d[2]!;
      };
      const s = w / c.width;
      if (lum((c.x0 - 4) * s, (c.y0 + c.blockH / 2) * s) > 60) return null;
      let value = 0;
      for (let k = 0; k < c.bits; k++) {
        const v = lum((c.x0 + k * c.blockW + c.blockW / 2) * s, (c.y0 + c.blockH / 2) * s);
        if (v > 60 && v < 190) return null;
        if (v >= 190) value |= 1 << k;
      }
      return value;
    },
    { selector, c: COUNTER },
  );
}

/**
 * Every frame of a recording's counter (the camera filling a `width` x `height` picture): ffmpeg
 * decodes it to grey frames, read here. null for a frame without a readable counter.
 */
export function countersOfFile(file: string, width: number, height: number, ffmpeg = 'ffmpeg'): (number | null)[] {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', file, '-an', '-vf', `scale=${width}:${height}`, '-pix_fmt', 'gray', '-f', 'rawvideo', '-'], { maxBuffer: 2 * 1024 ** 3, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${file}: ${r.stderr?.toString()}`);
  const frame = width * height;
  const scale = width / COUNTER.width;
  const out: (number | null)[] = [];
  for (let off = 0; off + frame <= r.stdout.length; off += frame) {
    out.push(readCounter((x, y) => r.stdout[off + Math.round(y) * width + Math.round(x)]!, scale));
  }
  return out;
}

/** Where a run of counters skips frames (`frames` = the camera file's length, where it loops back to 0). */
export function counterGaps(values: readonly (number | null)[], frames: number): { at: number; from: number; to: number }[] {
  const gaps: { at: number; from: number; to: number }[] = [];
  let last: number | null = null;
  values.forEach((v, i) => {
    if (v === null) return;
    if (last !== null) {
      const step = (v - last + frames) % frames;
      if (step > 1) gaps.push({ at: i, from: last, to: v });
    }
    last = v;
  });
  return gaps;
}
