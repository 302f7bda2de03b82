import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { HostProcess } from './host-process.js';
import { isLocateError, locateFfmpeg, searchPath } from '../src-main/encoder/locate.js';

/** The npm-shipped ffmpeg 4.1 (null without the package), for tests that must pass on both builds the studio may run. */
export { bundledFfmpegPath } from '../src-main/encoder/locate.js';

/**
 * Whether the ffmpeg a host started with `env` would find (FFMPEG_PATH, the PATH, then the npm-shipped
 * one) has an input device, e.g. `pulse`: the npm-shipped 4.1 has none, and the host then keeps sound off.
 */
export function hostFfmpegHasDevice(device: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const found = locateFfmpeg(env);
  if (!found || isLocateError(found)) return false;
  const listing = spawnSync(found.path, ['-hide_banner', '-devices'], { encoding: 'utf8', timeout: 10_000 });
  return new RegExp(`^\\s*D\\S*\\s+${device}\\s`, 'm').test(listing.stdout ?? '');
}

/** ffmpeg publishing a moving test pattern with a tone, the way OBS would (2 s keyframes). */
export function publishTestPattern(
  url: string,
  options: { size?: string; fps?: number; seconds?: number; format?: 'flv' | 'mpegts'; extra?: string[]; realtime?: boolean; readrate?: number } = {},
): ChildProcess {
  const { size = '1280x720', fps = 30, seconds, format = 'flv' } = options;
  const args = [
    '-hide_banner', '-loglevel', 'error',
    // -re sends at real time like an encoder; -readrate N at N times real time (long recordings in tests).
    ...(options.readrate ? ['-readrate', String(options.readrate)] : options.realtime === false ? [] : ['-re']),
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    ...(seconds ? ['-t', String(seconds)] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps * 2), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    ...(options.extra ?? []),
    '-f', format, url,
  ];
  return spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function exitOf(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });
}

export interface ProbeStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}

/** ffprobe's view of a URL or file: its streams, or the error it printed. */
export function ffprobe(target: string, timeoutMs = 30_000): { streams: ProbeStream[]; error?: string } {
  const result = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', target], { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exited with code ${result.status}`;
    return { streams: [], error: result.stderr.trim() || `ffprobe ${why} without a word` };
  }
  return { streams: (JSON.parse(result.stdout) as { streams: ProbeStream[] }).streams };
}

/** Collects the host's pushed events (with their arrival time) over the authenticated WebSocket. */
export async function collectEvents(host: HostProcess): Promise<{ events: { event: string; data: any; at: number }[]; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/v1/events`, { headers: { authorization: `Bearer ${host.token}` } });
  const events: { event: string; data: any; at: number }[] = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; event?: string; data?: unknown };
    if (m.type === 'event' && m.event) events.push({ event: m.event, data: m.data, at: Date.now() });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { events, close: () => ws.close() };
}

/** PIDs of processes whose command line contains `needle` (e.g. a stream's live folder). */
export function pidsMatching(needle: string): number[] {
  const result = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

/** Child processes of `parent` whose command line contains `needle` (a host's ffmpegs, in either latency mode). */
export function childPids(parent: number, needle: string): number[] {
  const result = spawnSync('pgrep', ['-P', String(parent), '-f', needle], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Stops a test host with SIGTERM and checks it went cleanly: exit code 0, no process left that names its home. */
export async function stopHostCleanly(host: HostProcess | undefined): Promise<void> {
  if (!host) return;
  expect(await host.stop('SIGTERM')).toBe(0);
  expect(pidsMatching(host.home)).toEqual([]);
}

/** A test publisher started through a ChildRegistry (so the registry's dispose stops it), with its exit and stderr. */
export interface RegisteredPublisher {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr: () => string;
}

/** ffmpeg publishing a test pattern with a tone to `url` in `format` (2 s GOP), through `children`. */
export function publishThrough(
  children: { spawn(command: string, args: readonly string[]): ChildProcess },
  url: string,
  options: { format: 'flv' | 'mpegts'; size?: string; seconds?: number },
): RegisteredPublisher {
  const { format, size = '640x360', seconds = 30 } = options;
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine'];
  args.push('-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-c:a', 'aac', '-f', format, url);
  const child = children.spawn('ffmpeg', args);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, exited, stderr: () => stderr };
}

/** An ffmpeg that decrypts cbcs (5.x does; the npm-shipped 4.1 knows only cenc): FFMPEG_PATH, then the PATH; or null. */
export function cbcsFfmpeg(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const bin of [env.FFMPEG_PATH, searchPath('ffmpeg', env)]) {
    if (!bin) continue;
    const version = spawnSync(bin, ['-hide_banner', '-version'], { encoding: 'utf8' }).stdout ?? '';
    if (Number(/ffmpeg version n?(\d+)/.exec(version)?.[1] ?? 0) >= 5) return bin;
  }
  return null;
}

/**
 * Frame hashes of a fragmented MP4 given whole, read through a pipe fragment by fragment as a live
 * player reads it (ffmpeg 5.1 reading a seekable file parses every moof first, then looks up each
 * packet's encryption info in the last one it parsed); `key`: decrypt with it.
 */
export function framemd5Of(bin: string, data: Buffer, key?: Buffer): { md5s: string[]; stderr: string } {
  const args = ['-hide_banner', '-loglevel', 'error', ...(key ? ['-decryption_key', key.toString('hex')] : []), '-i', 'pipe:0', '-map', '0', '-f', 'framemd5', '-'];
  const out = spawnSync(bin, args, { encoding: 'utf8', timeout: 30_000, input: data, maxBuffer: 1 << 24 });
  return { md5s: (out.stdout ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').at(-1)!.trim()), stderr: out.stderr ?? '' };
}
