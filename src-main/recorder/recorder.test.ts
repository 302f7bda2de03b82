import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeFfmpeg } from '../../test-support/fake-ffmpeg.js';
import { waitFor } from '../../test-support/wait.js';
import { silentLogger } from '../core/logger.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { DISK_FULL, Recorder, type FileOutcome, type RecorderFile, type RecorderLimits } from './recorder.js';

// The Recorder's supervision with a stand-in for ffmpeg that copies stdin into the output file.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recorder-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const chunk = (kind: MediaChunk['kind'], size: number, flags: Partial<MediaChunk> = {}): MediaChunk => ({
  kind, data: Buffer.alloc(size, 1), keyframe: false, sequenceHeader: false, timestamp: 0, ...flags,
});
const key = (size = 100): MediaChunk => chunk('video', size, { keyframe: true });
const frame = (size = 100): MediaChunk => chunk('video', size);
function setup(name: string, options: { limits?: Partial<RecorderLimits>; free?: () => number; lowDisk?: () => Promise<boolean> } = {}) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const fakes: FakeFfmpeg[] = [];
  const ended: { file: RecorderFile; outcome: FileOutcome }[] = [];
  const endings: string[] = [];
  let tap: PathReader | undefined;
  let n = 0;
  const recorder = new Recorder({
    stream: 'main',
    attach: (reader) => {
      tap = reader;
      return () => (tap = undefined);
    },
    children: {
      spawn: (_cmd: string, args: readonly string[]) => {
        const fake = new FakeFfmpeg('ffmpeg', args, false).copyStdinTo(args.at(-1)!);
        fakes.push(fake);
        return fake as unknown as ChildProcess;
      },
    },
    ffmpegPath: 'ffmpeg',
    logger: silentLogger(),
    limits: () => ({ splitSeconds: 0, splitBytes: 0, minFreeBytes: 100, ...options.limits }),
    freeBytes: options.free ?? (() => 1e12),
    timing: { pollMs: 10, diskCheckMs: 10, stopGraceMs: 500, backoff: { baseMs: 10, maxMs: 10, jitter: 0 }, maxFailures: 3, failureWindowMs: 60_000 },
    hooks: {
      newFile: () => ({ id: `f${++n}`, path: path.join(dir, `f${n}.mp4`), container: 'mp4' }),
      progress: () => undefined,
      fileEnded: (file, outcome) => ended.push({ file, outcome }),
      ended: (reason) => endings.push(reason),
      lowDisk: options.lowDisk,
    },
  });
  const push = (...chunks: MediaChunk[]): void => chunks.forEach((c) => tap?.push(c));
  return { recorder, fakes, ended, endings, push, dir, detached: () => tap === undefined };
}

describe('Recorder', () => {
  it('splits by size at the next keyframe, and the files hold everything exactly once', async () => {
    const t = setup('size', { limits: { splitBytes: 1000 } });
    t.recorder.start();
    t.push(chunk('header', 13), key(), frame(600), frame(600));
    await waitFor('the second ffmpeg', () => t.fakes.length === 2, 3000, 5);
    expect(t.recorder.currentFile?.id).toBe('f1');
    t.push(frame(50), key(), frame(100));
    await waitFor('the recorder ended', () => t.ended.length === 1, 3000, 5);
    expect(t.ended[0]).toEqual({ file: expect.objectContaining({ id: 'f1' }), outcome: { state: 'complete', error: null, started: true } });
    expect(fs.statSync(path.join(t.dir, 'f1.mp4')).size).toBe(13 + 100 + 600 + 600 + 50);
    expect(t.recorder.currentFile?.id).toBe('f2');
    await t.recorder.stop('done');
    expect(fs.statSync(path.join(t.dir, 'f2.mp4')).size).toBe(13 + 100 + 100);
    expect(t.ended.map((e) => [e.file.id, e.outcome.state])).toEqual([['f1', 'complete'], ['f2', 'complete']]);
    expect(t.endings).toEqual(['done']);
    expect(t.detached()).toBe(true);
  });

  it('leaves a crashed file interrupted, goes on in a new file, and gives up after 3 crashes', async () => {
    const t = setup('crash');
    t.recorder.start();
    t.push(chunk('header', 13), key());
    t.fakes[0]!.fail('[flv @ 0x1] [error] broken input\n');
    await waitFor('the second ffmpeg', () => t.fakes.length === 2, 3000, 5);
    expect(t.ended[0]!.outcome).toEqual({ state: 'interrupted', error: 'ffmpeg exited with code 1: flv: broken input', started: true });
    t.push(frame(), key());
    expect(t.recorder.currentFile?.id).toBe('f2');
    t.fakes[1]!.kill('SIGKILL');
    await waitFor('the third ffmpeg', () => t.fakes.length === 3, 3000, 5);
    expect(t.ended[1]!.outcome).toMatchObject({ state: 'interrupted', error: 'ffmpeg was killed by SIGKILL' });
    t.push(key());
    t.fakes[2]!.fail('boom');
    await waitFor('the file ending', () => t.endings.length === 1, 3000, 5);
    expect(t.endings[0]).toMatch(/^ffmpeg exited with code 1: boom \(3 failures within 60 s\)$/);
    expect(t.recorder.running).toBe(false);
    expect(t.fakes).toHaveLength(3);
  });

  it('discards a file that never received a frame', async () => {
    const t = setup('empty');
    t.recorder.start();
    t.push(chunk('header', 13), frame());
    await t.recorder.stop('publisher disconnected');
    expect(t.ended).toEqual([{ file: expect.objectContaining({ id: 'f1' }), outcome: { state: 'complete', error: null, started: false } }]);
  });

  it('asks for room when the disk is low, then stops with failed when there is still none', async () => {
    let free = 1e9;
    let asked = 0;
    const t = setup('disk', { free: () => free, lowDisk: async () => {
      asked++;
      return false;
    } });
    t.recorder.start();
    t.push(chunk('header', 13), key(), frame());
    free = 10;
    await waitFor('the file ending', () => t.endings.length === 1, 3000, 5);
    expect(asked).toBe(1);
    expect(t.endings).toEqual([DISK_FULL]);
    expect(t.ended[0]!.outcome).toEqual({ state: 'failed', error: DISK_FULL, started: true });
  });

  it('goes on when retention made enough room', async () => {
    let free = 10;
    const t = setup('room', { free: () => free, lowDisk: async () => {
      free = 1e9;
      return true;
    } });
    t.recorder.start();
    t.push(chunk('header', 13), key());
    await new Promise((r) => setTimeout(r, 60));
    expect(t.recorder.running).toBe(true);
    await t.recorder.stop('done');
    expect(t.ended[0]!.outcome.state).toBe('complete');
  });
});
