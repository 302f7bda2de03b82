import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { releaseLine } from './hello.js';
import { outputCheckPlan, packOutputs, unpackOutputs } from './outputs.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-outputs-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const OUTPUTS = {
  durationSec: 8,
  generation: 'ab12',
  renditions: [
    { id: '360p', width: 640, height: 360, videoBitrateKbps: 800 },
    { id: '240p', width: 426, height: 240, videoBitrateKbps: 400 },
  ],
  mp4: 'video.mp4',
  poster: 'poster.jpg',
  previews: 'previews.vtt',
  chaptersVtt: 'chapters.vtt',
  thumbnails: ['thumbs/1.jpg'],
  spriteSheets: ['sprite-1.jpg'],
};
const FILES = [
  'master.m3u8', 'manifest.mpd', 'video.mp4', 'poster.jpg', 'previews.vtt', 'chapters.vtt', 'thumbs/1.jpg', 'sprite-1.jpg',
  'media_0.m3u8', 'init-ab12-stream0.m4s', 'chunk-ab12-stream0-00002.m4s', 'chunk-ab12-stream0-00010.m4s',
  'media_1.m3u8', 'init-ab12-stream1.m4s', 'chunk-ab12-stream1-00001.m4s',
];

describe("a runner's output", () => {
  it('plans a probe of each rendition (init, then segments in number order) when every named file is there', () => {
    const plan = outputCheckPlan(OUTPUTS as never, new Set(FILES), 8.04);
    expect(plan.problems).toEqual([]);
    expect(plan.renditions).toEqual([
      { id: '360p', width: 640, height: 360, files: ['init-ab12-stream0.m4s', 'chunk-ab12-stream0-00002.m4s', 'chunk-ab12-stream0-00010.m4s'] },
      { id: '240p', width: 426, height: 240, files: ['init-ab12-stream1.m4s', 'chunk-ab12-stream1-00001.m4s'] },
    ]);
  });

  it('names what is missing or wrong before any probe', () => {
    const files = new Set(FILES.filter((f) => f !== 'poster.jpg' && !f.startsWith('chunk-ab12-stream1')));
    expect(outputCheckPlan(OUTPUTS as never, files, 20).problems).toEqual([
      'the poster (poster.jpg) is missing',
      'the duration is 8 s, the source\'s 20 s',
      'rendition 240p has no segments',
    ]);
    expect(outputCheckPlan(undefined, new Set(), 8).problems).toEqual(['no outputs.json']);
    expect(outputCheckPlan({ ...OUTPUTS, renditions: [], generation: '../x' } as never, new Set(FILES), null).problems).toEqual(['no renditions', 'no generation']);
  });

  it('packs a folder and unpacks it whole', async () => {
    const dir = path.join(work, 'out');
    for (const f of FILES) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), f);
    }
    await packOutputs(dir, path.join(work, 'out.tar'));
    await unpackOutputs(path.join(work, 'out.tar'), path.join(work, 'back'));
    for (const f of FILES) expect(fs.readFileSync(path.join(work, 'back', f), 'utf8')).toBe(f);
  });

  it('refuses an archive with a link, a path out of its folder or an odd name, writing nothing outside', async () => {
    const src = path.join(work, 'evil');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'video.mp4'), 'x');
    fs.symlinkSync('/etc/passwd', path.join(src, 'poster.jpg'));
    await tar.create({ file: path.join(work, 'link.tar'), cwd: src }, ['video.mp4', 'poster.jpg']);
    await expect(unpackOutputs(path.join(work, 'link.tar'), path.join(work, 'u1'))).rejects.toMatchObject({ code: 'OUTPUT_INVALID', message: expect.stringMatching(/SymbolicLink poster\.jpg/) });
    fs.writeFileSync(path.join(work, 'not.tar'), 'not an archive at all, just text that goes on for a while '.repeat(20));
    await expect(unpackOutputs(path.join(work, 'not.tar'), path.join(work, 'u2'))).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
    // An entry named with spaces (none of ours are) is refused too.
    fs.writeFileSync(path.join(src, 'odd name.txt'), 'x');
    await tar.create({ file: path.join(work, 'odd.tar'), cwd: src }, ['odd name.txt']);
    await expect(unpackOutputs(path.join(work, 'odd.tar'), path.join(work, 'u3'))).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
  });

  it('release lines: major.minor of a version', () => {
    expect(releaseLine('1.4.2')).toBe('1.4');
    expect(releaseLine('0.1.0-dev')).toBe('0.1');
    expect(releaseLine('x')).toBeUndefined();
  });
});
