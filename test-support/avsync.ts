import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * A flash and a beep: a clip of `seconds` (black, 640x360, 30 fps) in which, every `period` seconds
 * from `at`, the picture turns white for 100 ms and a 1 kHz tone sounds for the same 100 ms. Written
 * as MP4 (H.264 + AAC) by ffmpeg. Whatever carries it (the studio, the host, a player), the flash
 * and the beep leave together: where they arrive apart, that is the A/V offset.
 */
export function makeFlashBeepClip(dir: string, options: { seconds?: number; period?: number; at?: number; ffmpeg?: string } = {}): string {
  const { seconds = 2, period = 2, at = 0.5, ffmpeg = 'ffmpeg' } = options;
  const file = path.join(dir, 'flash-beep.mp4');
  const on = `between(mod(t-${at}+${period},${period}),0,0.0999)`;
  const r = spawnSync(
    ffmpeg,
    [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=black:size=640x360:rate=30:duration=${seconds}`,
      // The tone at -6 dBFS inside the flash, silence outside, sample-exact.
      '-f', 'lavfi', '-i', `aevalsrc='if(${on},0.5*sin(2*PI*1000*t),0)':s=48000:d=${seconds}`,
      '-vf', `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${on}'`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '30',
      '-c:a', 'aac', '-b:a', '128k', '-ac', '1', '-shortest', '-movflags', '+faststart',
      file,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`ffmpeg could not make the flash-and-beep clip: ${r.stderr}`);
  return file;
}

/** The starts of runs where `on(i)` holds, as times `time(i)`, a run ending after `minGap` of not-on. */
export function onsets(count: number, on: (i: number) => boolean, time: (i: number) => number, minGapSec: number): number[] {
  const out: number[] = [];
  let lastOn = -Infinity;
  for (let i = 0; i < count; i++) {
    if (!on(i)) continue;
    const t = time(i);
    if (t - lastOn > minGapSec) out.push(t);
    lastOn = t;
  }
  return out;
}

/** Each flash paired with the beep nearest to it (within half a period): beep minus flash, ms. */
export function pairOffsets(flashes: readonly number[], beeps: readonly number[], periodSec: number): number[] {
  const out: number[] = [];
  for (const f of flashes) {
    let best: number | null = null;
    for (const b of beeps) if (Math.abs(b - f) < periodSec / 2 && (best === null || Math.abs(b - f) < Math.abs(best - f))) best = b;
    if (best !== null) out.push(Math.round((best - f) * 1000 * 10) / 10);
  }
  return out;
}

/**
 * Where the flashes and the beeps are in a media file (seconds on its own timeline): video frames
 * decoded small and grey with their timestamps, audio decoded from time 0 (silence where it has
 * none) at 48 kHz, a beep starting at the first sample above -20 dBFS after 0.5 s of quiet.
 */
export function flashesAndBeeps(file: string, ffmpeg = 'ffmpeg'): { flashes: number[]; beeps: number[] } {
  const W = 32;
  const H = 18;
  // One pass: the frames as raw grey pixels on stdout, showinfo's timestamps of the same frames on
  // stderr, every frame passed through as decoded (ffmpeg 4 spells it -vsync, 5 and later -fps_mode).
  const decode = (sync: string[]) =>
    spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'info', '-i', file, '-map', '0:v:0', '-vf', `scale=${W}:${H},showinfo`, ...sync, '-pix_fmt', 'gray', '-f', 'rawvideo', '-'], { maxBuffer: 512 * 1024 ** 2, timeout: 120_000 });
  let v = decode(['-fps_mode', 'passthrough']);
  if (v.status !== 0) v = decode(['-vsync', 'passthrough']);
  if (v.status !== 0) throw new Error(`ffmpeg could not decode the video of ${file}: ${v.stderr?.toString().slice(-500)}`);
  const times = [...v.stderr.toString().matchAll(/Parsed_showinfo.*?pts_time:\s*([-\d.]+)/g)].map((m) => Number(m[1]));
  const frame = W * H;
  const frames = Math.floor(v.stdout.length / frame);
  const mean = (i: number) => {
    let sum = 0;
    for (let k = 0; k < frame; k++) sum += v.stdout[i * frame + k]!;
    return sum / frame;
  };
  const flashes = onsets(Math.min(frames, times.length), (i) => mean(i) > 128, (i) => times[i]!, 0.5);

  const RATE = 48_000;
  const audio = spawnSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:a:0', '-af', `aresample=${RATE}:async=1:first_pts=0`, '-ac', '1', '-f', 's16le', '-'], { maxBuffer: 512 * 1024 ** 2, timeout: 120_000 });
  if (audio.status !== 0) throw new Error(`ffmpeg could not decode the audio of ${file}: ${audio.stderr?.toString()}`);
  const samples = new Int16Array(audio.stdout.buffer, audio.stdout.byteOffset, Math.floor(audio.stdout.length / 2));
  const threshold = 32768 * 0.1;
  const beeps = onsets(samples.length, (i) => Math.abs(samples[i]!) > threshold, (i) => i / RATE, 0.5);
  return { flashes, beeps };
}
