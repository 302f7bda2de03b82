import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledFfmpegPath, isLocateError, locateFfmpeg } from './locate.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-locate-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A tiny ffmpeg wrapper in its own folder, with an ffprobe next to it. */
function wrapper(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ffmpeg');
  fs.writeFileSync(file, '#!/bin/sh\nexec /usr/bin/ffmpeg "$@"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'ffprobe'), '#!/bin/sh\nexec /usr/bin/ffprobe "$@"\n', { mode: 0o755 });
  return file;
}

describe('locateFfmpeg', () => {
  it('explains why a non-executable FFMPEG_PATH is refused, without falling back', () => {
    const plain = path.join(tmp, 'not-executable');
    fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
    const result = locateFfmpeg({ FFMPEG_PATH: plain, PATH: '/usr/bin' });
    expect(isLocateError(result)).toBe(true);
    expect(result).toMatchObject({ error: `FFMPEG_PATH=${plain} is not an executable file (no execute permission)` });

    expect(locateFfmpeg({ FFMPEG_PATH: tmp, PATH: '/usr/bin' })).toMatchObject({ error: expect.stringContaining('is not an executable file') });
    expect(locateFfmpeg({ FFMPEG_PATH: path.join(tmp, 'nope') })).toMatchObject({ error: `FFMPEG_PATH=${path.join(tmp, 'nope')} does not exist` });
  });

  it('honours FFMPEG_PATH over the PATH and finds the ffprobe next to it', () => {
    const file = wrapper(path.join(tmp, 'custom'));
    expect(locateFfmpeg({ FFMPEG_PATH: file, PATH: '/usr/bin' })).toEqual({
      path: file,
      source: 'env',
      ffprobePath: path.join(tmp, 'custom', 'ffprobe'),
    });
  });

  it('searches the PATH in order, skipping empty entries', () => {
    const file = wrapper(path.join(tmp, 'first'));
    expect(locateFfmpeg({ PATH: `::${path.join(tmp, 'empty')}:${path.dirname(file)}:/usr/bin` })).toMatchObject({ path: file, source: 'path' });
    expect(locateFfmpeg({ PATH: '/usr/bin' })).toMatchObject({ path: '/usr/bin/ffmpeg', source: 'path' });
  });

  it('prefers FFPROBE_PATH for ffprobe', () => {
    const probe = path.join(tmp, 'first', 'ffprobe');
    expect(locateFfmpeg({ PATH: '/usr/bin', FFPROBE_PATH: probe })).toMatchObject({ ffprobePath: probe });
  });

  it('falls back to the binary of @ffmpeg-installer/ffmpeg when the PATH is empty', () => {
    const bundled = bundledFfmpegPath();
    expect(bundled).toMatch(/@ffmpeg-installer[/\\]linux-x64[/\\]ffmpeg$/);
    expect(locateFfmpeg({ PATH: '' })).toEqual({ path: bundled, source: 'bundled', ffprobePath: null });
  });

  it('returns null when nothing is found anywhere', () => {
    expect(locateFfmpeg({ PATH: '' }, { bundledPath: () => null })).toBeNull();
  });
});
