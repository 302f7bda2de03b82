import { spawn } from 'node:child_process';
import fs from 'node:fs';
import * as tus from 'tus-js-client';
import type { HostProcess } from './host-process.js';

/**
 * A test video with real scene cuts (different lavfi sources one after the other), a tone, and
 * keyframes every 2 s: what an editor exports, small and quick to make. Resolves to the file.
 */
export async function makeClip(
  file: string,
  options: { seconds?: number; size?: string; fps?: number; ffmpeg?: string; scenes?: number; crf?: number } = {},
): Promise<string> {
  const { seconds = 24, size = '640x360', fps = 25, scenes = 4 } = options;
  const sources = ['testsrc2', 'smptehdbars', 'mandelbrot', 'rgbtestsrc', 'testsrc', 'cellauto'];
  const each = seconds / scenes;
  const inputs: string[] = [];
  for (let i = 0; i < scenes; i++) inputs.push('-f', 'lavfi', '-t', String(each), '-i', `${sources[i % sources.length]}=size=${size}:rate=${fps}`);
  const filter = `${Array.from({ length: scenes }, (_, i) => `[${i}:v]format=yuv420p,setsar=1[v${i}];`).join('')}${Array.from({ length: scenes }, (_, i) => `[v${i}]`).join('')}concat=n=${scenes}:v=1:a=0[v]`;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    ...inputs,
    '-f', 'lavfi', '-t', String(seconds), '-i', 'sine=frequency=330:sample_rate=48000',
    '-filter_complex', filter,
    '-map', '[v]', '-map', `${scenes}:a`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(options.crf ?? 23), '-g', String(fps * 2), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart',
    file,
  ];
  await new Promise<void>((resolve, reject) => {
    const proc = spawn(options.ffmpeg ?? 'ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 120_000);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && fs.existsSync(file)) resolve();
      else reject(new Error(`making the test clip failed (${String(code)}): ${stderr}`));
    });
  });
  return file;
}

/** Two cues of SubRip text. */
export const SAMPLE_SRT = `1
00:00:01,000 --> 00:00:04,000
Hello from the studio

2
00:00:05,000 --> 00:00:08,500
Second line, with a comma
`;

/** Uploads a file with tus-js-client (the API token, `parallel` parts); resolves to the upload id. */
export function tusUpload(h: Pick<HostProcess, 'url' | 'token'>, file: string, metadata: Record<string, string>, parallel = 1, endpoint = '/api/v1/uploads'): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(fs.readFileSync(file), {
      endpoint: `${h.url}${endpoint}`,
      headers: { authorization: `Bearer ${h.token}` },
      chunkSize: 1024 * 1024,
      parallelUploads: parallel,
      metadata,
      retryDelays: [0, 500],
      onError: reject,
      onSuccess: () => resolve(upload.url!.split('/').pop()!),
    });
    upload.start();
  });
}
