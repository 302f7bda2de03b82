// Transcoding runners against a real host (two runners in network namespaces taking ten videos, one
// killed: runners-netns.int.test.ts). A runner with a wrong token or one without runners:write, of another release line, or whose clock
// is off, is refused with the reason and exits 2. A peer speaking the runner protocol that returns
// a bad output has it refused after the host's ffprobe (OUTPUT_INVALID): the job goes to a real runner
// and the bad output never reaches viewers.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, cleanEnv, runStreams, startHost, STREAMS_BIN, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, ffprobe, stopHostCleanly } from '../../test-support/media.js';
import { makeClip, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';
import type { RunnerServerMessage } from '../../src-shared/contract/runners.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-runners-'));
let host: HostProcess | undefined;
let clip = '';
const runners: ChildProcess[] = [];

afterAll(async () => {
  for (const r of runners) if (r.exitCode === null && r.signalCode === null) r.kill('SIGKILL');
  await stopHostCleanly(host);
  fs.rmSync(work, { recursive: true, force: true });
});

interface Runner {
  proc: ChildProcess;
  output(): string;
}

function startRunner(h: HostProcess, name: string, token = h.token, extra: string[] = [], env: NodeJS.ProcessEnv = cleanEnv()): Runner {
  const proc = spawn(process.execPath, [STREAMS_BIN, 'runner', '--origin', h.url, '--token', token, '--name', name, '--dir', path.join(work, name), ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  runners.push(proc);
  return { proc, output: () => out };
}

const listRunners = async (h: HostProcess): Promise<Record<string, any>[]> => (await api(h, 'GET', '/api/v1/runners')).json as unknown as Record<string, any>[];
const videoById = async (h: HostProcess, id: string): Promise<Record<string, any>> => (await api(h, 'GET', `/api/v1/videos/${id}`)).json;
const videoOfUpload = async (h: HostProcess, uploadId: string): Promise<Record<string, any>> =>
  ((await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as Record<string, any>[])[0]!;

/** `streams runner` with its wall clock moved by libfaketime (monotonic time left alone); resolves on its exit. */
function runFaked(h: HostProcess, offset: string): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn('faketime', ['-f', offset, process.execPath, STREAMS_BIN, 'runner', '--origin', h.url, '--token', h.token, '--dir', path.join(work, 'faked')], {
    env: cleanEnv({ FAKETIME_DONT_FAKE_MONOTONIC: '1' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  return exitOf(proc).then((code) => {
    clearTimeout(timer);
    return { code, stderr };
  });
}


describe('transcoding runners', () => {
  beforeAll(async () => {
    clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 8, scenes: 2 });
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) });
    // Leases of 4 s (a killed runner's job is back in the queue within about that); this host leaves its videos to runners.
    const set = await api(host, 'PATCH', '/api/v1/config', { library: { runnerLeaseSeconds: 4, processOnOrigin: false } });
    expect(set.status, set.text).toBe(200);
  }, 120_000);

  it('refuses a wrong token, a token without runners:write, another release line and a clock far off, with the reason', async () => {
    const h = host!;
    const wrong = await runStreams(['runner', '--origin', h.url, '--token', 'not-a-token-of-this-host', '--dir', path.join(work, 'wrong')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/refused by the origin \(UNAUTHORIZED\).*runners:write/);
    const reader = await api(h, 'POST', '/api/v1/tokens', { name: 'reader', scopes: ['videos:read'] });
    expect(reader.status).toBe(201);
    const scoped = await runStreams(['runner', '--origin', h.url, '--token', reader.json.token, '--dir', path.join(work, 'scoped')]);
    expect(scoped.code).toBe(2);
    expect(scoped.stderr).toMatch(/FORBIDDEN/);
    // A clock two minutes ahead: the real runner under libfaketime (its wall clock only).
    const ahead = await runFaked(h, '+2m');
    expect(ahead.code).toBe(2);
    expect(ahead.stderr).toMatch(/RUNNER_CLOCK.*2 min|RUNNER_CLOCK.*120 s ahead/);
    // Another release line, as a runner of another version says it (a peer speaking the runner protocol).
    for (const [hello, code] of [[{ version: '99.1.0', clock: Date.now() }, 'RUNNER_VERSION']] as const) {
      const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/runners/socket`, { headers: { authorization: `Bearer ${h.token}` } });
      const got = new Promise<{ message: RunnerServerMessage; code: number }>((resolve, reject) => {
        let message: RunnerServerMessage | undefined;
        ws.on('message', (raw) => (message = JSON.parse(String(raw)) as RunnerServerMessage));
        ws.on('close', (closeCode) => (message ? resolve({ message, code: closeCode }) : reject(new Error('closed without a word'))));
        ws.on('error', reject);
      });
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(JSON.stringify({ type: 'hello', name: 'other', slots: 1, cores: 1, encoders: [], ffmpeg: 'x', ...hello }));
      const { message, code: closeCode } = await got;
      expect(message).toMatchObject({ type: 'refused', code });
      expect(closeCode).toBe(4003);
    }
    expect(await listRunners(h)).toEqual([]);
  }, 60_000);

  it('a bad output is refused after the host probes it: the job goes to a real runner, viewers never see it', async () => {
    const h = host!;
    expect(await api(h, 'PATCH', '/api/v1/config', { library: { processOnOrigin: false } })).toMatchObject({ status: 200 });
    // A peer that speaks the runner protocol and returns a broken output (what a faulty runner would).
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/runners/socket`, { headers: { authorization: `Bearer ${h.token}` } });
    const messages: RunnerServerMessage[] = [];
    ws.on('message', (raw) => messages.push(JSON.parse(String(raw)) as RunnerServerMessage));
    await new Promise((resolve) => ws.once('open', resolve));
    const version = (await api(h, 'GET', '/api/v1/system')).json.version as string;
    ws.send(JSON.stringify({ type: 'hello', name: 'faulty', version, clock: Date.now(), slots: 1, cores: 1, encoders: ['libx264'], ffmpeg: 'test' }));
    const video = await videoOfUpload(h, await tusUpload(h, clip, { filename: 'faulty.mp4' }));
    const job = await waitFor('a job for the faulty peer', () => messages.find((m): m is Extract<RunnerServerMessage, { type: 'job' }> => m.type === 'job'), 30_000);
    const heartbeat = setInterval(() => ws.send(JSON.stringify({ type: 'heartbeat', load: 0, leases: [job.lease] })), 500);
    // The source comes with its lease's bearer only.
    expect((await fetch(`${h.url}${job.source.path}`)).status).toBe(401);
    const source = await fetch(`${h.url}${job.source.path}`, { headers: { authorization: `Bearer ${job.secret}`, range: 'bytes=0-99' } });
    expect(source.status).toBe(206);
    // An output with every file named but a video.mp4 that is not video.
    const fake = path.join(work, 'fake');
    fs.mkdirSync(path.join(fake, 'thumbs'), { recursive: true });
    const outputs = { durationSec: 8, renditions: [{ id: '360p', width: 640, height: 360, videoBitrateKbps: 800 }], generation: 'abcd', mp4: 'video.mp4', poster: 'poster.jpg', previews: 'previews.vtt', chaptersVtt: 'chapters.vtt', thumbnails: [], spriteSheets: [] };
    for (const f of ['master.m3u8', 'manifest.mpd', 'video.mp4', 'poster.jpg', 'previews.vtt', 'chapters.vtt', 'media_0.m3u8', 'init-abcd-stream0.m4s', 'chunk-abcd-stream0-00001.m4s']) fs.writeFileSync(path.join(fake, f), 'not media');
    fs.writeFileSync(path.join(fake, 'outputs.json'), JSON.stringify(outputs));
    const archive = path.join(work, 'fake.tar');
    await tar.create({ file: archive, cwd: fake }, fs.readdirSync(fake));
    const uploadId = await tusUpload({ url: h.url, token: job.secret }, archive, { purpose: 'runner-output', lease: job.lease }, 1, '/guest-uploads');
    ws.send(JSON.stringify({ type: 'result', lease: job.lease, uploadId }));
    const ack = await waitFor('the result answered', () => messages.find((m) => m.type === 'resultAck'), 30_000);
    clearInterval(heartbeat);
    expect(ack).toMatchObject({ ok: false, error: { code: 'OUTPUT_INVALID' } });
    expect((ack as { error: { message: string } }).error.message).toMatch(/MP4/);
    // Nothing of it was published, and the upload is gone from the host's disk.
    expect(fs.existsSync(path.join(h.home, 'library', 'videos', video.id))).toBe(false);
    expect(fs.existsSync(path.join(h.home, 'library', 'uploads', uploadId))).toBe(false);
    ws.close();
    // A real runner takes the job again and the video is ready with real media.
    const real = startRunner(h, 'runner-c');
    const ready = await waitFor('ready after the refusal', async () => {
      const v = await videoById(h, video.id);
      return v.state === 'ready' ? v : undefined;
    }, 120_000, 250);
    expect(ready.job.attempts).toBe(2);
    const probe = ffprobe(`${h.url}${ready.urls.mp4}`);
    expect(probe.error).toBeUndefined();
    expect(probe.streams.some((s) => s.codec_type === 'video')).toBe(true);
    real.proc.kill('SIGTERM');
    expect(await exitOf(real.proc)).toBe(0);
  }, 240_000);
}, 900_000);
