/**
 * The options our argument builders emit that not every ffmpeg has, read from the found binary's own
 * help (`-h long`, `-h muxer=dash`, `-h muxer=hls`, `-filters`), never guessed from its version: the
 * npm-shipped 2018 build calls itself "N-47683" and Debian's "5.1.x". Pure.
 *
 * Each check becomes a flag in FfmpegInfo.features (`option:fps_mode`, `dash:master_m3u8_publish_rate`,
 * `filter:setsar`), so the builders, the refusals and the ffmpeg card all read one record.
 */

/** The help texts a probe collects; an empty text means the listing failed. */
export interface CapabilityTexts {
  /** `ffmpeg -h long`: main options start a line with `-name`. */
  mainHelp: string;
  /** `ffmpeg -h muxer=NAME` per muxer: its AVOptions are indented `-name` lines. */
  muxerHelp: Readonly<Record<string, string>>;
  /** `ffmpeg -filters`. */
  filters: string;
}

/** Main options some builders emit: fps_mode is 5.1+ (-vsync before), readrate 5.0+. */
const MAIN_OPTIONS = ['fps_mode', 'vsync', 'readrate', 'max_muxing_queue_size', 'force_key_frames', 'stats_period'] as const;

/** Muxer options the packager and the recorder use, or would use where present. */
const MUXER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  dash: [
    'seg_duration',
    'init_seg_name',
    'media_seg_name',
    'hls_playlist',
    'master_m3u8_publish_rate',
    'utc_timing_url',
    'streaming',
    'frag_type',
    'frag_duration',
    'ldash',
    'lhls',
    'write_prft',
    'target_latency',
    'global_sidx',
  ],
  hls: ['hls_segment_type', 'hls_fmp4_init_filename', 'hls_flags'],
};

/** Filters the builders put in their graphs. */
const FILTERS = ['scale', 'setsar', 'split', 'format', 'fps', 'aresample', 'hwupload', 'hwdownload', 'scale_vaapi', 'ssim', 'psnr'] as const;

/** `-name` at the start of a line (main options) or indented (AVOptions). */
function optionNames(text: string, indented: boolean): Set<string> {
  const names = new Set<string>();
  const pattern = indented ? /^\s+-([A-Za-z0-9_]+)\s/ : /^-([A-Za-z0-9_]+)\s/;
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** Filter names from `ffmpeg -filters` (` ... name  V->V  description`, or `TSC name ...`). */
export function parseFilterNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^\s[TSC.]{2,3}\s+([A-Za-z0-9_]+)\s+\S+->\S+/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** The capability flags of one ffmpeg, keyed `option:NAME`, `MUXER:NAME` and `filter:NAME`. */
export function capabilityFlags(texts: CapabilityTexts): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  const main = optionNames(texts.mainHelp, false);
  for (const name of MAIN_OPTIONS) flags[`option:${name}`] = main.has(name);
  for (const [muxer, names] of Object.entries(MUXER_OPTIONS)) {
    const known = optionNames(texts.muxerHelp[muxer] ?? '', true);
    for (const name of names) flags[`${muxer}:${name}`] = known.has(name);
  }
  const filters = parseFilterNames(texts.filters);
  for (const name of FILTERS) flags[`filter:${name}`] = filters.has(name);
  return flags;
}

/** What the builders ask of the found ffmpeg. An unknown flag (older cache, tests) counts as present. */
export interface FfmpegCaps {
  has(flag: string): boolean;
}

/** Caps over a features record; a flag it does not hold is taken as present (today's ffmpeg). */
export function capsOf(features: Readonly<Record<string, boolean>> | undefined): FfmpegCaps {
  return { has: (flag) => features?.[flag] !== false };
}

/** A modern ffmpeg: every flag present (the builders' default). */
export const MODERN_CAPS: FfmpegCaps = { has: () => true };

/** `-fps_mode VALUE` where this ffmpeg has it, else the older `-vsync VALUE`. */
export function fpsModeArgs(caps: FfmpegCaps, mode: 'passthrough' | 'cfr' | 'vfr'): string[] {
  return caps.has('option:fps_mode') ? ['-fps_mode', mode] : ['-vsync', mode];
}

/**
 * What this ffmpeg cannot do that a newer one can, for the ffmpeg card: features that still work
 * another way are said so; none of these stops the main job.
 */
export function describeLimits(features: Readonly<Record<string, boolean>>): string[] {
  const limits: string[] = [];
  if (features['dash:master_m3u8_publish_rate'] === false) {
    limits.push('Old dash muxer (no -master_m3u8_publish_rate): the HLS master states copied renditions at their nominal bitrate');
  }
  if (features['option:fps_mode'] === false) limits.push('No -fps_mode (ffmpeg before 5.1): -vsync is used instead');
  if (features['remux:flv_adts'] === false) {
    limits.push('Its flv muxer refuses ADTS AAC unless told: SRT ingest converts AAC explicitly, and MP3 or Opus audio over SRT is refused');
  }
  return limits;
}
