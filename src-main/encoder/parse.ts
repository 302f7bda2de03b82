/**
 * Pure parsers of ffmpeg's listing commands (`-version`, `-encoders`, `-muxers`, `-protocols`, `-devices`).
 * Tested against outputs captured from real binaries in ./fixtures.
 */

export interface ListedEncoder {
  name: string;
  kind: 'video' | 'audio' | 'subtitle';
  description: string;
}

export interface ListedFormat {
  /** Every alias of the entry: `video4linux2,v4l2` gives both names. */
  names: string[];
  demux: boolean;
  mux: boolean;
  description: string;
}

export interface ListedProtocols {
  input: Set<string>;
  output: Set<string>;
}

/** `ffmpeg version 5.1.9-0+deb12u1 Copyright ...` -> `5.1.9-0+deb12u1`; null when the text is not ffmpeg's. */
export function parseVersion(text: string): string | null {
  const match = /^\s*ffmpeg version (\S+)/m.exec(text);
  return match?.[1] ?? null;
}

/** The rows after the `------` (encoders) or `--` (muxers, devices) line that ends the legend. */
function rowsAfterLegend(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const end = lines.findIndex((line) => /^\s*-{2,}\s*$/.test(line));
  return (end === -1 ? [] : lines.slice(end + 1)).filter((line) => line.trim() !== '');
}

export function parseEncoders(text: string): ListedEncoder[] {
  const encoders: ListedEncoder[] = [];
  for (const row of rowsAfterLegend(text)) {
    // ` V....D libx264              libx264 H.264 / AVC ...`: six flag characters, the name, a description.
    const match = /^\s*([VAS])[A-Z.]{5}\s+(\S+)\s*(.*)$/.exec(row);
    if (!match) continue;
    const kind = match[1] === 'V' ? 'video' : match[1] === 'A' ? 'audio' : 'subtitle';
    encoders.push({ name: match[2]!, kind, description: match[3]!.trim() });
  }
  return encoders;
}

/** Parses `-muxers`, `-demuxers`, `-formats` and `-devices`: ` DE alsa  ALSA audio output`. */
export function parseFormats(text: string): ListedFormat[] {
  const formats: ListedFormat[] = [];
  for (const row of rowsAfterLegend(text)) {
    // Flags are 2 columns in ffmpeg <= 5 and 3 in ffmpeg 6+ (`..d` marks a device); spaces stand for unset flags.
    const match = /^ ([D ])([E ])[d ]?\s*(\S+)\s*(.*)$/.exec(row) ?? /^\s*([D.])([E.])d?\s+(\S+)\s*(.*)$/.exec(row);
    if (!match) continue;
    formats.push({
      names: match[3]!.split(',').filter(Boolean),
      demux: match[1] === 'D',
      mux: match[2] === 'E',
      description: match[4]!.trim(),
    });
  }
  return formats;
}

export function parseProtocols(text: string): ListedProtocols {
  const result: ListedProtocols = { input: new Set(), output: new Set() };
  let section: Set<string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === 'Input:') section = result.input;
    else if (line === 'Output:') section = result.output;
    else if (section && /^[\w.+-]+$/.test(line)) section.add(line);
  }
  return result;
}

/** Names of the entries that can write (muxers, output devices) or read (input devices). */
export function namesOf(formats: readonly ListedFormat[], direction: 'mux' | 'demux'): Set<string> {
  return new Set(formats.filter((f) => f[direction]).flatMap((f) => f.names));
}

// Lines ffmpeg prints after the real cause; they say nothing about why.
const GENERIC_ERROR_LINES = [
  /^Error initializing output stream/i,
  /^Error while opening encoder/i,
  /^Error parsing global options/i,
  /^Device creation failed: -?\d+\.?$/i,
  /^Conversion failed!?$/i,
  /^Exiting normally/i,
  /^\s*$/,
];

/**
 * The line of ffmpeg's stderr that best says why it failed: the last one tagged with a component
 * (`[h264_nvenc @ 0x..] Cannot load libcuda.so.1`), else the last one that is not a generic trailer.
 */
export function lastErrorLine(stderr: string, maxLength = 200): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length === 0) return undefined;
  const tagged = lines.filter((line) => /^\[[^\]]+ @ [^\]]+\]/.test(line));
  const meaningful = lines.filter((line) => !GENERIC_ERROR_LINES.some((re) => re.test(line)));
  const chosen = tagged.at(-1) ?? meaningful.at(-1) ?? lines.at(-1)!;
  const clean = chosen.replace(/^\[([^\]@]+?) @ [^\]]+\]\s*/, '$1: ');
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean;
}
