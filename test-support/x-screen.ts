import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './host-process.js';

/**
 * A screen to capture: an Xvfb display of `width` x `height` covered by one ordinary X client (the
 * benchmarks' painter, bench/lib/x-painter.mjs) that paints the wall clock every few milliseconds as
 * a barcode every `periodMs`: `Date.now() mod 2^bits` in `bits` white/black blocks on a black strip, so that whoever
 * sees the screen (a capture, a program, a viewer) can tell it moves and how old the picture is.
 *
 * Xvfb runs without its RandR extension: Chromium's X11 screen capturer starts, then fails its first
 * frame on Xvfb's RandR monitor list ("Could not start video source", capture error 31); without
 * RandR it captures the root window, which is the whole screen. The painter also makes the window
 * manager's atoms (there is no window manager): Chromium 156.0.8078.108 exits on an X error when
 * they are missing (BadAtom on a GetProperty of atom None) as its capture starts.
 */
export interface PaintedScreen {
  display: string;
  /** The painted part, at the top of the screen. */
  width: number;
  height: number;
  /** The whole screen: the painted part over `spare` pixels where windows go (a window would cover the painter). */
  screenHeight: number;
  /** Where a browser's window goes, below the painted part: `--window-position`/`--window-size` values. */
  windowPosition: string;
  windowSize: string;
  /** Where the barcode is, in screen pixels. */
  barcode: { bits: number; x0: number; y0: number; blockW: number; blockH: number };
  stop(): void;
}

const PAINTER = path.join(ROOT, 'bench', 'lib', 'x-painter.mjs');

export async function startPaintedScreen(width = 1280, height = 720, options: { spare?: number; periodMs?: number } = {}): Promise<PaintedScreen> {
  const { spare = height, periodMs = 4 } = options;
  const screenHeight = height + spare;
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${screenHeight}x24`, '-nolisten', 'tcp', '-extension', 'RANDR'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let err = '';
  xvfb.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display in 10 s: ${err}`)), 10_000);
    (xvfb.stdio[3] as NodeJS.ReadableStream).once('data', (d: Buffer) => (clearTimeout(timer), resolve(`:${d.toString().trim()}`)));
    xvfb.once('exit', (code) => (clearTimeout(timer), reject(new Error(`Xvfb exited (${code}): ${err}`))));
  });
  // Blocks a tenth of the screen's width: a quarter-size picture of the screen still reads.
  const bits = 12;
  const blockW = Math.floor((width * 0.9) / bits);
  const barcode = { bits, x0: Math.round(width * 0.05), y0: Math.round(height * 0.35), blockW, blockH: Math.round(height * 0.3) };
  const strip = { x: barcode.x0 - 8, y: barcode.y0 - 8, w: bits * blockW + 16, h: barcode.blockH + 16 };
  const target = { x: width - 48, y: height - 48, w: 32, h: 32 };
  let painter: ChildProcess | null = null;
  const stop = () => {
    painter?.kill('SIGTERM');
    xvfb.kill('SIGTERM');
  };
  try {
    painter = spawn(process.execPath, [PAINTER, JSON.stringify({ width, height, strip, barcode, target, periodMs })], { env: { ...process.env, DISPLAY: display }, stdio: ['pipe', 'pipe', 'pipe'] });
    let perr = '';
    painter.stderr!.on('data', (d: Buffer) => (perr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the painter was not up in 10 s: ${perr}`)), 10_000);
      painter!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && (clearTimeout(timer), resolve()));
      painter!.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the painter exited (${code}): ${perr}`))));
    });
  } catch (error) {
    stop();
    throw error;
  }
  return { display, width, height, screenHeight, windowPosition: `0,${height}`, windowSize: `${width},${spare}`, barcode, stop };
}

/**
 * Reads the painted clock from luma samples of a picture in which the screen was drawn at `scale`
 * from `origin` (`sample(x, y)` gives 0..255). null when the strip is not readable there.
 */
export function readPaintedClock(screen: Pick<PaintedScreen, 'barcode'>, sample: (x: number, y: number) => number, scale: number, origin = { x: 0, y: 0 }): number | null {
  const { bits, x0, y0, blockW, blockH } = screen.barcode;
  const at = (x: number, y: number) => sample(origin.x + x * scale, origin.y + y * scale);
  if (at(x0 - 4, y0 + blockH / 2) > 60) return null;
  let value = 0;
  for (let k = 0; k < bits; k++) {
    const v = at(x0 + k * blockW + blockW / 2, y0 + blockH / 2);
    if (v > 60 && v < 190) return null;
    if (v >= 190) value |= 1 << k;
  }
  return value;
}

/** How old a painted clock reading is at `now` (ms; the clock wraps every 2^bits ms). */
export function paintedClockAge(screen: Pick<PaintedScreen, 'barcode'>, value: number, now = Date.now()): number {
  const period = 2 ** screen.barcode.bits;
  return (((now - value) % period) + period) % period;
}
