import fs from 'node:fs';
import path from 'node:path';
import { JobError } from '../core/job-error.js';
import type { MediaInfo } from '../recorder/media-info.js';
import type { VideoOutputs } from '../vod/process/processor.js';
import { MANIFEST, MASTER, OUTPUTS_FILE } from '../vod/process/video-files.js';

/** tar loads with the first archive made or opened, not with the host. */
const tarModule = () => import('../core/tar-lib.js');

/** How far a runner's output may be from the source's duration: 2 %, at least 1 s. */
export const durationTolerance = (sec: number): number => Math.max(1, sec * 0.02);

const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}(\/[A-Za-z0-9._-]{1,200}){0,2}$/;

/** Packs a processed video's folder for the trip back to the origin (uncompressed: the media is). */
export async function packOutputs(dir: string, file: string): Promise<void> {
  const names = await fs.promises.readdir(dir, { recursive: true });
  await (await tarModule()).create({ file, cwd: dir, portable: true, noDirRecurse: true }, names.sort());
}

/**
 * Unpacks a runner's archive into `dir` (made empty first): regular files and folders only, relative
 * names of our own shape (no links, no `..`, no absolute paths); anything else refuses the whole output.
 */
export async function unpackOutputs(file: string, dir: string): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
  await fs.promises.mkdir(dir, { recursive: true });
  const refused: string[] = [];
  try {
    await (await tarModule()).extract({
      file,
      cwd: dir,
      strict: true,
      preservePaths: false,
      filter: (name, entry) => {
        const type = (entry as { type?: string }).type;
        const clean = name.replace(/^\.\//, '').replace(/\/$/, '');
        const ok = (type === 'File' || type === 'Directory') && (clean === '' || clean === '.' || SAFE_NAME.test(clean));
        if (!ok) refused.push(`${type ?? '?'} ${name.slice(0, 100)}`);
        return ok;
      },
    });
  } catch (error) {
    throw new JobError('OUTPUT_INVALID', `the runner's output is not a readable archive: ${(error as Error).message}`, { retry: true });
  }
  if (refused.length > 0) throw new JobError('OUTPUT_INVALID', `the runner's output has entries of a kind not accepted: ${refused.slice(0, 3).join(', ')}`, { retry: true });
}

/** What must be probed to believe an output, and what is wrong before any probe. Pure. */
export function outputCheckPlan(outputs: Partial<VideoOutputs> | undefined, files: ReadonlySet<string>, expectedDurationSec: number | null): { problems: string[]; renditions: { id: string; width: number; height: number; files: string[] }[] } {
  const problems: string[] = [];
  if (!outputs || typeof outputs !== 'object') return { problems: [`no ${OUTPUTS_FILE}`], renditions: [] };
  const need = (name: unknown, what: string): void => {
    if (typeof name !== 'string' || !files.has(name)) problems.push(`${what} (${String(name)}) is missing`);
  };
  need(MASTER, 'the HLS playlist');
  need(MANIFEST, 'the DASH manifest');
  need(outputs.mp4, 'the MP4');
  need(outputs.poster, 'the poster');
  need(outputs.previews, 'the previews');
  need(outputs.chaptersVtt, 'the chapters');
  for (const t of Array.isArray(outputs.thumbnails) ? outputs.thumbnails : []) need(t, 'a thumbnail');
  for (const s of Array.isArray(outputs.spriteSheets) ? outputs.spriteSheets : []) need(s, 'a sprite sheet');
  if (!(typeof outputs.durationSec === 'number' && outputs.durationSec > 0)) problems.push('the duration is missing');
  else if (expectedDurationSec !== null && Math.abs(outputs.durationSec - expectedDurationSec) > durationTolerance(expectedDurationSec)) {
    problems.push(`the duration is ${outputs.durationSec} s, the source's ${expectedDurationSec} s`);
  }
  const renditions: { id: string; width: number; height: number; files: string[] }[] = [];
  const list = Array.isArray(outputs.renditions) ? outputs.renditions : [];
  if (list.length === 0) problems.push('no renditions');
  const generation = typeof outputs.generation === 'string' && /^[0-9a-f]{1,16}$/.test(outputs.generation) ? outputs.generation : null;
  if (!generation) problems.push('no generation');
  for (const [i, r] of list.entries()) {
    need(`media_${i}.m3u8`, `rendition ${r.id}'s playlist`);
    const init = `init-${generation}-stream${i}.m4s`;
    need(init, `rendition ${r.id}'s init segment`);
    const chunk = new RegExp(`^chunk-${generation}-stream${i}-(\\d+)\\.m4s$`);
    const chunks = [...files].filter((f) => chunk.test(f)).sort((a, b) => Number(chunk.exec(a)![1]) - Number(chunk.exec(b)![1]));
    if (chunks.length === 0) problems.push(`rendition ${r.id} has no segments`);
    renditions.push({ id: String(r.id), width: Number(r.width), height: Number(r.height), files: [init, ...chunks] });
  }
  return { problems, renditions };
}

/**
 * Believes a runner's processed video only after looking: every file outputs.json names is there, the
 * MP4 and every rendition (its init and segments, in order) are probed by our ffprobe, with a video
 * stream of the size the rendition says and the source's duration. Throws OUTPUT_INVALID with what is wrong.
 */
export async function checkOutputs(dir: string, expectedDurationSec: number | null, probe: (input: string) => Promise<MediaInfo>): Promise<VideoOutputs> {
  const files = new Set((await fs.promises.readdir(dir, { recursive: true })).map((f) => f.split(path.sep).join('/')));
  let outputs: Partial<VideoOutputs> | undefined;
  try {
    outputs = JSON.parse(await fs.promises.readFile(path.join(dir, OUTPUTS_FILE), 'utf8')) as Partial<VideoOutputs>;
  } catch {
    outputs = undefined;
  }
  const plan = outputCheckPlan(outputs, files, expectedDurationSec);
  const fail = (what: string): never => {
    throw new JobError('OUTPUT_INVALID', `the runner's output failed its check: ${what}`, { retry: true });
  };
  if (plan.problems.length > 0) fail(plan.problems.slice(0, 4).join('; '));
  const durationOk = (sec: number): boolean => expectedDurationSec === null || Math.abs(sec - expectedDurationSec) <= durationTolerance(expectedDurationSec);
  const look = async (input: string, what: string): Promise<MediaInfo> => {
    try {
      return await probe(input);
    } catch (error) {
      return fail(`${what} is not media ffprobe reads (${(error as Error).message.split(dir).join('')})`);
    }
  };
  const mp4 = await look(path.join(dir, outputs!.mp4!), 'the MP4');
  if (!mp4.video) fail('the MP4 has no video');
  if (!durationOk(mp4.durationSec)) fail(`the MP4 lasts ${mp4.durationSec} s, the source ${expectedDurationSec} s`);
  for (const r of plan.renditions) {
    const info = await look(`concat:${r.files.map((f) => path.join(dir, f)).join('|')}`, `rendition ${r.id}`);
    if (!info.video || info.video.width !== r.width || info.video.height !== r.height) {
      fail(`rendition ${r.id} is ${info.video ? `${info.video.width}x${info.video.height}` : 'without video'}, outputs.json says ${r.width}x${r.height}`);
    }
    if (!durationOk(info.durationSec)) fail(`rendition ${r.id} lasts ${info.durationSec} s, the source ${expectedDurationSec} s`);
  }
  return outputs as VideoOutputs;
}
