import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeFfmpeg } from '../../test-support/fake-ffmpeg.js';
import { waitFor } from '../../test-support/wait.js';
import { silentLogger } from '../core/logger.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { buildLadder, softwareEncoder } from './ladder.js';
import { chunkFile } from './packager-args.js';
import { Packager, type PackagerOptions } from './packager.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-packager-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function setup(over: Partial<PackagerOptions> & { hang?: boolean } = {}) {
  const spawned: FakeFfmpeg[] = [];
  const attached: PathReader[] = [];
  let detached = 0;
  const outDir = fs.mkdtempSync(path.join(tmp, 'session-'));
  const encoder = softwareEncoder('superfast');
  const source = { width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000, videoCodec: 'h264', audioCodec: 'aac' };
  const packager = new Packager({
    name: 'demo',
    outDir,
    renditions: buildLadder('standard', source, encoder),
    encoder,
    segmentSeconds: 2,
    windowSegments: 6,
    children: {
      spawn: () => {
        const child = new FakeFfmpeg('ffmpeg', [], !over.hang);
        spawned.push(child);
        return child as unknown as ChildProcess;
      },
    },
    logger: silentLogger(),
    ffmpegPath: 'ffmpeg',
    attach: (reader) => {
      attached.push(reader);
      return () => detached++;
    },
    supervision: { backoff: { baseMs: 20, maxMs: 80, jitter: 0 }, stopGraceMs: 300, readyPollMs: 20 },
    ...over,
  });
  return { packager, spawned, attached, outDir, detachedCount: () => detached };
}

const chunk = (data: string): MediaChunk => ({ kind: 'video', data: Buffer.from(data), keyframe: true, sequenceHeader: false, timestamp: 0 });

describe('Packager supervision (fake ffmpeg)', () => {
  it('attaches a reader that feeds ffmpeg stdin, and reads progress from stdout', async () => {
    const { packager, spawned, attached } = setup();
    packager.start();
    expect(packager.progress.state).toBe('starting');
    expect(attached).toHaveLength(1);
    attached[0]!.push(chunk('hello'));
    await waitFor('5 bytes on ffmpeg stdin', () => spawned[0]!.stdinBytes === 5, 2000, 5);
    spawned[0]!.stdout.write('frame=10\nfps=29.5\nspeed=1.01x\nprogress=continue\n');
    await waitFor('the progress speed', () => packager.progress.speed === 1.01, 2000, 5);
    expect(packager.progress).toMatchObject({ fps: 29.5, restarts: 0 });
    await packager.stop('test over');
  });

  it('restarts with a fresh reader after an unexpected exit', async () => {
    const { packager, spawned, attached, detachedCount } = setup();
    packager.start();
    spawned[0]!.exit(null, 'SIGKILL');
    await waitFor('the second ffmpeg', () => spawned.length === 2, 2000, 5);
    expect(detachedCount()).toBe(1);
    expect(attached).toHaveLength(2);
    expect(attached[1]).not.toBe(attached[0]);
    expect(packager.progress.restarts).toBe(1);
    await packager.stop('test over');
    expect(packager.progress.state).toBe('stopped');
  });

  it('gives up after 3 failures within the window and reports the error line', async () => {
    const { packager, spawned } = setup();
    const failures: string[] = [];
    packager.onFailed((reason) => failures.push(reason));
    packager.start();
    for (let i = 0; i < 3; i++) {
      await waitFor('the next ffmpeg', () => spawned.length === i + 1, 2000, 5);
      spawned[i]!.fail('[h264 @ 0x1] [error] decode_slice_header error\n[fatal] pipe:0: Invalid data found when processing input\n');
    }
    await waitFor('the failure', () => failures.length === 1, 2000, 5);
    expect(failures[0]).toMatch(/code 1: pipe:0: Invalid data found when processing input \(3 failures within 30 s\)/);
    expect(packager.progress.state).toBe('failed');
    await new Promise((r) => setTimeout(r, 150));
    expect(spawned).toHaveLength(3);
    await packager.stop('after failure'); // harmless
  });

  it('ends without restarting when ffmpeg finishes on its own (input ended)', async () => {
    const { packager, spawned, attached } = setup();
    const ended: string[] = [];
    packager.onEnded((r) => ended.push(r));
    packager.start();
    attached[0]!.close('publisher gone'); // the Path closes its readers: stdin ends, ffmpeg exits 0
    await waitFor('the end', () => ended.length === 1, 2000, 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(spawned).toHaveLength(1);
    expect(packager.progress.state).toBe('stopped');
  });

  it('stop() closes stdin so ffmpeg can finalise, and SIGKILLs one that does not exit in time', async () => {
    const polite = setup();
    polite.packager.start();
    await polite.packager.stop('bye');
    expect(polite.spawned[0]!.exitCode).toBe(0);
    expect(polite.detachedCount()).toBe(1);

    const stubborn = setup({ hang: true });
    stubborn.packager.start();
    const started = Date.now();
    await stubborn.packager.stop('bye');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(stubborn.spawned[0]!.kills).toEqual(['SIGKILL']);
  });

  it('stop() during a restart backoff cancels the restart', async () => {
    const { packager, spawned } = setup({ supervision: { backoff: { baseMs: 200, maxMs: 200, jitter: 0 }, readyPollMs: 20 } });
    packager.start();
    spawned[0]!.exit(1, null);
    await waitFor('the packager restarting', () => packager.progress.state === 'restarting', 2000, 5);
    await packager.stop('bye');
    await new Promise((r) => setTimeout(r, 300));
    expect(spawned).toHaveLength(1);
  });

  it('fails at once when ffmpeg cannot be spawned', async () => {
    const failures: string[] = [];
    const { packager, spawned } = setup();
    packager.onFailed((r) => failures.push(r));
    packager.start();
    spawned[0]!.emit('error', Object.assign(new Error('spawn ffmpeg ENOENT'), { code: 'ENOENT' }));
    await waitFor('the failure', () => failures.length === 1, 2000, 5);
    expect(failures[0]).toMatch(/ENOENT/);
  });

  it('is ready once both manifests and the first segment of every stream exist', async () => {
    const { packager, outDir } = setup();
    let ready = 0;
    packager.onReady(() => ready++);
    packager.start();
    // 720p H.264 under standard: source copied + 480p + 360p (streams 0-2), then audio (3).
    for (const f of ['master.m3u8', 'manifest.mpd', ...[0, 1, 2].map((i) => chunkFile(i, 1))]) fs.writeFileSync(path.join(outDir, f), '');
    await new Promise((r) => setTimeout(r, 100));
    expect(ready).toBe(0); // the audio stream (3) has no segment yet
    fs.writeFileSync(path.join(outDir, chunkFile(3, 1)), '');
    await waitFor('ready', () => ready === 1, 2000, 5);
    expect(packager.progress).toMatchObject({ ready: true, state: 'running' });
    await packager.stop('bye');
  });
});
