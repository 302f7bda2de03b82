import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledFfmpegPath, bundledFfprobePath, isLocateError, locateFfmpeg } from './locate.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-locate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A stand-in ffmpeg (locating only checks for an executable file) in its own folder, with an ffprobe next to it. */
function wrapper(dir: string, withProbe = true): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ffmpeg');
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  if (withProbe) fs.writeFileSync(path.join(dir, 'ffprobe'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return file;
}

const noBundles = { bundledPath: () => null, bundledProbePath: () => null };

describe('locateFfmpeg', () => {
  it('explains why a non-executable FFMPEG_PATH is refused, without falling back', () => {
    const plain = path.join(tmp, 'not-executable');
    fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
    const result = locateFfmpeg({ FFMPEG_PATH: plain, PATH: path.dirname(wrapper(path.join(tmp, 'fallback'))) });
    expect(isLocateError(result)).toBe(true);
    expect(result).toMatchObject({ error: `FFMPEG_PATH=${plain} is not an executable file (no execute permission)` });

    expect(locateFfmpeg({ FFMPEG_PATH: tmp, PATH: path.join(tmp, 'fallback') })).toMatchObject({ error: expect.stringContaining('is not an executable file') });
    expect(locateFfmpeg({ FFMPEG_PATH: path.join(tmp, 'nope') })).toMatchObject({ error: `FFMPEG_PATH=${path.join(tmp, 'nope')} does not exist` });
  });

  it('honours FFMPEG_PATH over the PATH and finds the ffprobe next to it', () => {
    const file = wrapper(path.join(tmp, 'custom'));
    expect(locateFfmpeg({ FFMPEG_PATH: file, PATH: path.join(tmp, 'fallback') })).toEqual({
      path: file,
      source: 'env',
      ffprobePath: path.join(tmp, 'custom', 'ffprobe'),
    });
  });

  it('searches the PATH in order, skipping empty entries', () => {
    const file = wrapper(path.join(tmp, 'first'));
    const second = wrapper(path.join(tmp, 'second'));
    expect(locateFfmpeg({ PATH: `::${path.join(tmp, 'empty')}:${path.dirname(file)}:${path.dirname(second)}` })).toMatchObject({ path: file, source: 'path' });
    expect(locateFfmpeg({ PATH: path.dirname(second) })).toMatchObject({ path: second, source: 'path' });
  });

  it('prefers FFPROBE_PATH for ffprobe', () => {
    const probe = path.join(tmp, 'first', 'ffprobe');
    expect(locateFfmpeg({ PATH: path.join(tmp, 'second'), FFPROBE_PATH: probe })).toMatchObject({ ffprobePath: probe });
  });

  it('finds ffprobe on the PATH, else the npm-shipped one, when none is beside ffmpeg', () => {
    const lone = wrapper(path.join(tmp, 'lone'), false);
    const probeDir = path.join(tmp, 'probe-only');
    fs.mkdirSync(probeDir, { recursive: true });
    fs.writeFileSync(path.join(probeDir, 'ffprobe'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(locateFfmpeg({ FFMPEG_PATH: lone, PATH: probeDir }, noBundles)).toMatchObject({ ffprobePath: path.join(probeDir, 'ffprobe') });
    const shipped = path.join(tmp, 'second', 'ffprobe');
    expect(locateFfmpeg({ FFMPEG_PATH: lone, PATH: '' }, { ...noBundles, bundledProbePath: () => shipped })).toMatchObject({ ffprobePath: shipped });
    expect(locateFfmpeg({ FFMPEG_PATH: lone, PATH: '' }, noBundles)).toMatchObject({ ffprobePath: null });
  });

  it('falls back to the binary of @ffmpeg-installer/ffmpeg when the PATH is empty', () => {
    const bundled = bundledFfmpegPath();
    expect(bundled).toMatch(/@ffmpeg-installer[/\\]linux-x64[/\\]ffmpeg$/);
    expect(locateFfmpeg({ PATH: '' }, { bundledProbePath: () => null })).toEqual({ path: bundled, source: 'bundled', ffprobePath: null });
    expect(bundledFfprobePath()).toMatch(/@ffprobe-installer[/\\]linux-x64[/\\]ffprobe$/);
    expect(locateFfmpeg({ PATH: '' })).toEqual({ path: bundled, source: 'bundled', ffprobePath: bundledFfprobePath() });
  });

  it('returns null when nothing is found anywhere', () => {
    expect(locateFfmpeg({ PATH: '' }, noBundles)).toBeNull();
  });
});
