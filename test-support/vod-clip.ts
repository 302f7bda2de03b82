import { spawnSync } from 'node:child_process';

/**
 * A short clip with three scenes (testsrc2, smptebars, rgbtestsrc: scene changes at 1/3 and 2/3) and a
 * tone, H.264 + AAC in MP4, made by `ffmpeg` (a path or the PATH's). About a second to make.
 */
export function makeSceneClip(file: string, options: { seconds?: number; size?: string; ffmpeg?: string } = {}): void {
  const seconds = options.seconds ?? 24;
  const size = options.size ?? '854x480';
  const part = seconds / 3;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${part}`,
    '-f', 'lavfi', '-i', `smptebars=size=${size}:rate=25:duration=${part}`,
    '-f', 'lavfi', '-i', `rgbtestsrc=size=${size}:rate=25:duration=${part}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-filter_complex', '[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
    '-map', '[v]', '-map', '3:a', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-c:a', 'aac', '-b:a', '96k', file,
  ];
  const result = spawnSync(options.ffmpeg ?? 'ffmpeg', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`could not make the test clip: ${result.stderr || result.error?.message}`);
}
