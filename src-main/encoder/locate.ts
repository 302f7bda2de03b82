import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type FfmpegSource = 'env' | 'path' | 'bundled';

export interface FfmpegLocation {
  path: string;
  source: FfmpegSource;
  ffprobePath: string | null;
}

/** FFMPEG_PATH was set but is unusable: we stop there rather than silently run another ffmpeg. */
export interface FfmpegLocateError {
  error: string;
  /** The offending FFMPEG_PATH value. */
  path: string;
  source: 'env';
}

export interface LocateOptions {
  platform?: NodeJS.Platform;
  /** Where the npm-shipped binary is; null when the package is absent. Defaults to @ffmpeg-installer/ffmpeg. */
  bundledPath?: () => string | null;
  /** Where the npm-shipped ffprobe is; null when absent. Defaults to @ffprobe-installer/ffprobe. */
  bundledProbePath?: () => string | null;
}

export function isLocateError(result: FfmpegLocation | FfmpegLocateError | null): result is FfmpegLocateError {
  return result !== null && 'error' in result;
}

/** Why `file` cannot be run, or null when it is an executable regular file. */
export function whyNotExecutable(file: string, platform: NodeJS.Platform = process.platform): string | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return 'does not exist';
  }
  if (!stat.isFile()) return 'is not an executable file (it is a directory or a device)';
  if (platform === 'win32') return null; // Windows has no execute bit; the extension decides.
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return null;
  } catch {
    return 'is not an executable file (no execute permission)';
  }
}

/** The value of PATH; Windows spells the key `Path`. */
function pathVariable(env: NodeJS.ProcessEnv): string {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return (key && env[key]) || '';
}

/** First executable `name` in the PATH directories, like `which`. Empty entries are skipped, not cwd. */
export function searchPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | null {
  const delimiter = platform === 'win32' ? ';' : ':';
  for (const dir of pathVariable(env).split(delimiter)) {
    if (dir.trim() === '') continue;
    const candidate = path.join(dir, name);
    if (whyNotExecutable(candidate, platform) === null) return candidate;
  }
  return null;
}

/** The binary an installer package ships, required lazily: the packages are optional and throw strings. */
function bundledBinary(pkg: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const installer = require(pkg) as { path?: unknown };
    if (typeof installer.path !== 'string') return null;
    // Inside a packaged Electron app the binary lives next to the asar archive, not in it.
    return installer.path.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
  } catch {
    return null;
  }
}

/** The ffmpeg of @ffmpeg-installer/ffmpeg (a 2018 static 4.1 build). */
export const bundledFfmpegPath = (): string | null => bundledBinary('@ffmpeg-installer/ffmpeg');
/** The ffprobe of @ffprobe-installer/ffprobe (the ffmpeg package ships none). */
export const bundledFfprobePath = (): string | null => bundledBinary('@ffprobe-installer/ffprobe');

function locateFfprobe(ffmpegPath: string, env: NodeJS.ProcessEnv, options: LocateOptions, platform: NodeJS.Platform): string | null {
  const exe = platform === 'win32' ? 'ffprobe.exe' : 'ffprobe';
  const fromEnv = env.FFPROBE_PATH;
  if (fromEnv && whyNotExecutable(fromEnv, platform) === null) return fromEnv;
  const sibling = path.join(path.dirname(ffmpegPath), exe);
  if (whyNotExecutable(sibling, platform) === null) return sibling;
  const onPath = searchPath(exe, env, platform);
  if (onPath) return onPath;
  const bundled = (options.bundledProbePath ?? bundledFfprobePath)();
  return bundled && whyNotExecutable(bundled, platform) === null ? bundled : null;
}

/**
 * Finds ffmpeg: FFMPEG_PATH, then the PATH, then the binary shipped in the npm package. Never downloads.
 * ffprobe: FFPROBE_PATH, beside ffmpeg, the PATH, then the npm-shipped one.
 * Returns an error (not a fallback) when FFMPEG_PATH is set but unusable, and null when nothing is found.
 */
export function locateFfmpeg(
  env: NodeJS.ProcessEnv = process.env,
  options: LocateOptions = {},
): FfmpegLocation | FfmpegLocateError | null {
  const platform = options.platform ?? process.platform;
  const found = (file: string, source: FfmpegSource): FfmpegLocation => ({
    path: file,
    source,
    ffprobePath: locateFfprobe(file, env, options, platform),
  });

  const fromEnv = env.FFMPEG_PATH;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const why = whyNotExecutable(fromEnv, platform);
    if (why !== null) return { error: `FFMPEG_PATH=${fromEnv} ${why}`, path: fromEnv, source: 'env' };
    return found(fromEnv, 'env');
  }

  const onPath = searchPath(platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', env, platform);
  if (onPath) return found(onPath, 'path');

  const bundled = (options.bundledPath ?? bundledFfmpegPath)();
  if (bundled && whyNotExecutable(bundled, platform) === null) return found(bundled, 'bundled');
  return null;
}

/** The sentence shown when no ffmpeg was found at all. */
export const FFMPEG_NOT_FOUND =
  'ffmpeg not found: FFMPEG_PATH is not set, no ffmpeg on the PATH, and the npm package @ffmpeg-installer/ffmpeg is not installed';
