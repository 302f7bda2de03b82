import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProgress, pickErrorLine, ProgressReader, type FfmpegProgress } from './progress.js';

const read = (name: string): string => fs.readFileSync(new URL(`./fixtures/packager/${name}`, import.meta.url), 'utf8');

describe('parseProgress', () => {
  it('parses the blocks of a real standard-ladder run', () => {
    const { blocks, rest } = parseProgress(read('progress-standard.txt'));
    expect(rest).toBe('');
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toEqual({
      frame: 3,
      fps: 0,
      speed: 32.4,
      outTimeUs: 92222,
      totalSize: null,
      bitrateKbps: null,
      dropFrames: 0,
      dupFrames: 3,
      state: 'continue',
    });
    expect(blocks.at(-1)).toMatchObject({ frame: 600, fps: 32.11, speed: 1.07, outTimeUs: 20038231, state: 'end' });
  });

  it('keeps an unfinished block for the next piece, however the text is cut', () => {
    const text = read('progress-standard.txt');
    for (const size of [1, 7, 64, 333]) {
      const got: FfmpegProgress[] = [];
      const reader = new ProgressReader((p) => got.push(p));
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(got.map((p) => p.frame)).toEqual([3, 20, 600]);
    }
  });

  it('reads N/A as null and sizes and bitrates when given', () => {
    const { blocks } = parseProgress('fps=N/A\nspeed=N/A\nbitrate=2563.1kbits/s\ntotal_size=1048576\nprogress=continue\nframe=1');
    expect(blocks).toEqual([
      { frame: null, fps: null, speed: null, outTimeUs: null, totalSize: 1048576, bitrateKbps: 2563.1, dropFrames: 0, dupFrames: 0, state: 'continue' },
    ]);
  });

  it('drops a runaway block rather than growing forever', () => {
    const got: FfmpegProgress[] = [];
    const reader = new ProgressReader((p) => got.push(p), 100);
    reader.push('x='.padEnd(200, 'y') + '\n');
    reader.push('frame=5\nprogress=continue\n');
    expect(got.map((p) => p.frame)).toEqual([5]);
  });
});

describe('pickErrorLine', () => {
  it('prefers the cause over its consequences', () => {
    expect(pickErrorLine(read('stderr-aspect.txt'))).toBe(
      'dash: Conflicting stream aspect ratios values in Adaptation Set 1. Please ensure all adaptation sets have the same aspect ratio',
    );
  });

  it('keeps a consequence that names the cause when nothing else is there', () => {
    expect(pickErrorLine(read('stderr-no-dir.txt'))).toBe(
      'Could not write header for output file #0 (incorrect codec parameters ?): No such file or directory',
    );
  });

  it('prefers a fatal line over transient decoder errors', () => {
    expect(pickErrorLine(read('stderr-no-input.txt'))).toBe('pipe:0: could not find codec parameters');
  });

  it('works without level tags, ignores blank output, and truncates', () => {
    expect(pickErrorLine('[dash @ 0x1] something broke\nConversion failed!\n')).toBe('dash: something broke');
    expect(pickErrorLine('\n \n')).toBeUndefined();
    expect(pickErrorLine(`[error] ${'x'.repeat(500)}`, 50)).toHaveLength(50);
  });
});
