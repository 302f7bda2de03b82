import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EncoderProbe, FfmpegInfo } from '../../src-shared/contract/system.js';
import type { RunOptions, RunResult } from '../core/children.js';
import { capabilityFlags, describeLimits } from './capabilities.js';
import { describeMissing, featuresOf } from './features.js';
import type { FfmpegLocation } from './locate.js';
import { lastErrorLine, namesOf, parseEncoders, parseFormats, parseProtocols, parseVersion } from './parse.js';
import { ENCODER_CANDIDATES, trialArgs, type EncoderCandidate, type TrialOptions } from './trial.js';

/** The part of ChildRegistry the probe needs (tests wrap it to count runs). */
export interface ProbeRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface ProbeOptions {
  runner: ProbeRunner;
  /** Time allowed for each command, trial encodes included. */
  timeoutMs: number;
  /** Trial encodes at once: hardware sessions are scarce (consumer NVENC allows a few) and CPUs small. */
  concurrency?: number;
  candidates?: readonly EncoderCandidate[];
  platform?: NodeJS.Platform;
  trial?: TrialOptions;
  /** Stops starting new trial encodes; the probe then rejects with the signal's reason. */
  signal?: AbortSignal;
  now?: () => number;
}

/** An info for "no usable ffmpeg", keeping what is known of where we looked. */
export function unavailableInfo(error: string, location?: Partial<FfmpegLocation>, probedAt: number | null = null): FfmpegInfo {
  return {
    found: false,
    path: location?.path ?? null,
    source: location?.source ?? null,
    version: null,
    ffprobePath: location?.ffprobePath ?? null,
    probedAt,
    cached: false,
    encoders: [],
    features: {},
    missing: ['No ffmpeg: encoding, packaging, recording and restreaming are unavailable'],
    error,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

async function list(ffmpeg: string, flag: string | string[], options: ProbeOptions): Promise<string> {
  const result = await options.runner.run(ffmpeg, ['-hide_banner', ...(typeof flag === 'string' ? [flag] : flag)], { timeoutMs: options.timeoutMs });
  // Older builds print some listings on stderr; a failed listing counts as empty rather than failing the probe.
  return result.code === 0 ? result.stdout || result.stderr : '';
}

/**
 * Whether the flv muxer takes ADTS AAC (as MPEG-TS carries it) without being told to convert it:
 * current ones insert aac_adtstoasc themselves, 4.1 refuses. No help text says so, so it is tried:
 * a fifth of a second of silence to MPEG-TS, then copied to FLV.
 */
async function flvTakesAdts(ffmpeg: string, options: ProbeOptions): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-probe-'));
  const ts = path.join(dir, 'adts.ts');
  try {
    const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
    const made = await options.runner.run(ffmpeg, [...quiet, '-f', 'lavfi', '-i', 'anullsrc=r=48000', '-t', '0.2', '-c:a', 'aac', '-f', 'mpegts', '-y', ts], { timeoutMs: options.timeoutMs });
    if (made.code !== 0) return true; // no AAC encoder to try with: assume the current behaviour
    const copied = await options.runner.run(ffmpeg, [...quiet, '-f', 'mpegts', '-i', ts, '-c', 'copy', '-f', 'flv', '-y', path.join(dir, 'out.flv')], {
      timeoutMs: options.timeoutMs,
    });
    return copied.code === 0;
  } catch {
    return true;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function trial(ffmpeg: string, candidate: EncoderCandidate, options: ProbeOptions): Promise<EncoderProbe> {
  const base = { name: candidate.name, codec: candidate.codec, vendor: candidate.vendor, hardware: candidate.hardware };
  options.signal?.throwIfAborted();
  try {
    const result = await options.runner.run(ffmpeg, trialArgs(candidate, options.trial), {
      timeoutMs: options.timeoutMs,
      maxOutput: 16 * 1024,
    });
    const usable = result.code === 0 && !result.timedOut;
    const probe: EncoderProbe = { ...base, compiledIn: true, usable, probeMs: result.durationMs };
    if (!usable) {
      probe.error = result.timedOut
        ? `trial encode timed out after ${options.timeoutMs} ms`
        : (lastErrorLine(result.stderr) ?? `ffmpeg exited with code ${result.code ?? result.signal}`);
    }
    return probe;
  } catch (error) {
    options.signal?.throwIfAborted();
    return { ...base, compiledIn: true, usable: false, error: `could not run ffmpeg: ${(error as Error).message}` };
  }
}

/** Reads what `location` can do: version, listings, and a one-frame trial encode per compiled-in candidate. */
export async function probeFfmpeg(location: FfmpegLocation, options: ProbeOptions): Promise<FfmpegInfo> {
  const now = options.now ?? Date.now;
  let versionRun: RunResult;
  try {
    versionRun = await options.runner.run(location.path, ['-hide_banner', '-version'], { timeoutMs: options.timeoutMs });
  } catch (error) {
    return unavailableInfo(`${location.path} could not be started: ${(error as Error).message}`, location, now());
  }
  const version = parseVersion(versionRun.stdout);
  if (versionRun.code !== 0 || version === null) {
    const why = versionRun.timedOut ? 'timed out' : (lastErrorLine(versionRun.stderr) ?? `exit code ${versionRun.code}`);
    return unavailableInfo(`${location.path} did not answer as ffmpeg (-version): ${why}`, location, now());
  }

  const [encodersText, muxersText, protocolsText, devicesText, mainHelp, dashHelp, hlsHelp, filtersText] = await Promise.all(
    ['-encoders', '-muxers', '-protocols', '-devices', ['-h', 'long'], ['-h', 'muxer=dash'], ['-h', 'muxer=hls'], '-filters'].map((flag) =>
      list(location.path, flag, options),
    ),
  );
  const compiled = new Set(parseEncoders(encodersText!).map((e) => e.name));
  const protocols = parseProtocols(protocolsText!);
  const listings = {
    muxers: namesOf(parseFormats(muxersText!), 'mux'),
    inputProtocols: protocols.input,
    outputProtocols: protocols.output,
    inputDevices: namesOf(parseFormats(devicesText!), 'demux'),
  };

  const candidates = options.candidates ?? ENCODER_CANDIDATES;
  const encoders = await mapLimit(candidates, options.concurrency ?? 2, async (candidate): Promise<EncoderProbe> => {
    if (compiled.has(candidate.name)) return trial(location.path, candidate, options);
    return { name: candidate.name, codec: candidate.codec, vendor: candidate.vendor, hardware: candidate.hardware, compiledIn: false, usable: false };
  });
  options.signal?.throwIfAborted();

  const features = {
    ...featuresOf(listings, encoders),
    ...capabilityFlags({ mainHelp: mainHelp!, muxerHelp: { dash: dashHelp!, hls: hlsHelp! }, filters: filtersText! }),
    'remux:flv_adts': await flvTakesAdts(location.path, options),
  };
  return {
    found: true,
    path: location.path,
    source: location.source,
    version,
    ffprobePath: location.ffprobePath,
    probedAt: now(),
    cached: false,
    encoders,
    features,
    missing: [...describeMissing(features, encoders, options.platform), ...describeLimits(features)],
  };
}
