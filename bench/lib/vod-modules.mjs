// The sources bench/vod drives (upload server, processor, job queue, clip maker), bundled once with
// esbuild from the TypeScript as scripts/build.mjs does, into dist/bench/ (packages resolve from the
// repository's node_modules), and what the found ffmpeg can do, probed once for every part.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from './live.mjs';

const EXPORTS = {
  './src-main/vod/process/processor.ts': ['VideoProcessor'],
  './src-main/vod/job-queue.ts': ['JobQueue', 'concurrencyFrom'],
  './src-main/vod/eta.ts': ['etaErrors'],
  './src-main/store/jobs.ts': ['JobStore'],
  './src-main/store/db.ts': ['openDatabase'],
  './src-main/core/children.ts': ['ChildRegistry'],
  './src-main/core/logger.ts': ['silentLogger'],
  './src-main/encoder/probe.ts': ['probeFfmpeg'],
  './src-main/encoder/trial.ts': ['ENCODER_CANDIDATES'],
  './test-support/vod-media.ts': ['makeClip'],
  './test-support/uploads.ts': ['startUploadBed', 'UPLOAD_TOKEN'],
};

export async function loadVodModules() {
  const outfile = path.join(ROOT, 'dist', 'bench', 'vod-modules.mjs');
  await build({
    stdin: {
      contents: Object.entries(EXPORTS).map(([file, names]) => `export { ${names.join(', ')} } from '${file}';`).join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
    define: { __STUDIO_VERSION__: '"bench"' },
  });
  return import(pathToFileURL(outfile).href);
}

/** The PATH's ffmpeg as the host sees it (x264 and AAC tried only: the presets the bench runs). */
export async function ffmpegInfo(mod) {
  const children = new mod.ChildRegistry();
  try {
    return await mod.probeFfmpeg({ path: 'ffmpeg', source: 'path', ffprobePath: 'ffprobe' }, {
      runner: children,
      timeoutMs: 20_000,
      platform: process.platform,
      candidates: mod.ENCODER_CANDIDATES.filter((c) => ['libx264', 'aac'].includes(c.name)),
    });
  } finally {
    await children.dispose();
  }
}
