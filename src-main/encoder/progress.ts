/**
 * ffmpeg's `-progress` output: blocks of key=value lines, each closed by `progress=continue` (or
 * `progress=end` when ffmpeg finishes), about every 0.5 s. Pure: the packager feeds stdout text in.
 */

export interface FfmpegProgress {
  frame: number | null;
  fps: number | null;
  /** Output time over wall-clock time; null while ffmpeg says N/A. */
  speed: number | null;
  outTimeUs: number | null;
  /** Bytes written; null for muxers that do not report it (dash says N/A). */
  totalSize: number | null;
  bitrateKbps: number | null;
  dropFrames: number;
  dupFrames: number;
  /** `end` on the last block, when ffmpeg has finished writing. */
  state: 'continue' | 'end';
}

const number = (value: string | undefined): number | null => {
  if (value === undefined) return null;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
};

/** One block's key=value pairs into a progress record. */
export function progressFromFields(fields: ReadonlyMap<string, string>): FfmpegProgress {
  const bitrate = fields.get('bitrate');
  return {
    frame: number(fields.get('frame')),
    fps: number(fields.get('fps')),
    speed: number(fields.get('speed')?.replace(/x$/, '')),
    outTimeUs: number(fields.get('out_time_us')),
    totalSize: number(fields.get('total_size')),
    bitrateKbps: bitrate !== undefined && /kbits\/s$/.test(bitrate) ? number(bitrate) : null,
    dropFrames: number(fields.get('drop_frames')) ?? 0,
    dupFrames: number(fields.get('dup_frames')) ?? 0,
    state: fields.get('progress') === 'end' ? 'end' : 'continue',
  };
}

/**
 * Parses whatever complete blocks `text` holds. `rest` is the unfinished tail (a partial line or a
 * block without its `progress=` line yet): prepend it to the next piece of output.
 */
export function parseProgress(text: string): { blocks: FfmpegProgress[]; rest: string } {
  const blocks: FfmpegProgress[] = [];
  let fields = new Map<string, string>();
  let blockStart = 0;
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    if (newline === -1) break;
    const line = text.slice(lineStart, newline).trim();
    lineStart = newline + 1;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    fields.set(key, line.slice(eq + 1).trim());
    if (key === 'progress') {
      blocks.push(progressFromFields(fields));
      fields = new Map();
      blockStart = lineStart;
    }
  }
  return { blocks, rest: text.slice(blockStart) };
}

/** Feeds stdout pieces in, calls back with each complete block. Bounded: a runaway block is discarded. */
export class ProgressReader {
  private rest = '';

  constructor(
    private readonly onBlock: (progress: FfmpegProgress) => void,
    private readonly maxPending = 64 * 1024,
  ) {}

  push(text: string): void {
    const { blocks, rest } = parseProgress(this.rest + text);
    this.rest = rest.length > this.maxPending ? '' : rest;
    for (const block of blocks) this.onBlock(block);
  }
}

/** Lines that follow the real error and explain nothing by themselves. */
const CONSEQUENCES = [
  /^Error initializing output stream/i,
  /^Could not write header for output file/i,
  /^Conversion failed!?$/i,
  /^Error while (filtering|processing the decoded data|decoding)/i,
  /^Nothing was written into output file/i,
  /^Exiting normally/i,
  /^Finishing stream/i,
];

interface LogLine {
  level: string | null;
  message: string;
  text: string;
}

/** `[dash @ 0x55...] [error] text` -> { level: 'error', message: 'text', text: 'dash: text' } (`-loglevel level+...`). */
function parseLine(raw: string): LogLine {
  let rest = raw.trim();
  let source: string | null = null;
  let level: string | null = null;
  for (;;) {
    const tagged = /^\[([^\]]+)\]\s*/.exec(rest);
    if (!tagged) break;
    const tag = tagged[1]!;
    rest = rest.slice(tagged[0].length);
    if (/^(panic|fatal|error|warning|info|verbose|debug|trace)$/.test(tag)) level = tag;
    else source = tag.replace(/ @ [^\]]+$/, '');
  }
  return { level, message: rest, text: source ? `${source}: ${rest}` : rest };
}

/**
 * The most useful error in ffmpeg's stderr: the last fatal line; else the last error that is not a
 * mere consequence ("Error initializing output stream"); else the first consequence (it often ends
 * with the cause: "...: No such file or directory"); else the last line. Without level tags every
 * line counts as an error.
 */
export function pickErrorLine(stderr: string, maxLength = 300): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map(parseLine)
    .filter((l) => l.message !== '');
  if (lines.length === 0) return undefined;
  const tagged = lines.some((l) => l.level !== null);
  const isError = (l: LogLine): boolean => (tagged ? l.level === 'error' || l.level === 'fatal' || l.level === 'panic' : true);
  const consequence = (l: LogLine): boolean => CONSEQUENCES.some((re) => re.test(l.message));
  const errors = lines.filter(isError);
  const fatal = lines.filter((l) => l.level === 'fatal' || l.level === 'panic');
  const chosen =
    fatal.filter((l) => !consequence(l)).at(-1) ??
    errors.filter((l) => !consequence(l)).at(-1) ??
    errors.find(consequence) ??
    lines.at(-1)!;
  const text = chosen.text.replace(/\s*--\s*$/, '');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
