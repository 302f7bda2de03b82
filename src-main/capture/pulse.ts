import type { ChildRegistry } from '../core/children.js';

/**
 * Sound of the host session on Linux: PulseAudio (or PipeWire's Pulse server) plays into a sink, and
 * the sink's monitor source is what a remote viewer or a broadcast hears. Found through `pactl info`;
 * no server, no pactl, or a server that does not answer in time all mean "no sound here".
 */

const PACTL_TIMEOUT_MS = 2000;
/** 10 ms of 48 kHz stereo s16: ffmpeg's pulse input otherwise reads in large fragments (added delay). */
const FRAGMENT_BYTES = 1920;

/** The `Default Sink:` of `pactl info` output. */
export function parseDefaultSink(pactlInfo: string): string | undefined {
  const sink = /^Default Sink:\s*(\S+)\s*$/m.exec(pactlInfo)?.[1];
  return sink && sink !== '@DEFAULT_SINK@' ? sink : undefined;
}

/** The monitor source to capture (`configured` wins), or undefined when no sound server answers. */
export async function findPulseMonitor(options: { children: Pick<ChildRegistry, 'run'>; env: NodeJS.ProcessEnv; configured?: string }): Promise<string | undefined> {
  let info;
  try {
    info = await options.children.run('pactl', ['info'], { env: { ...options.env, LC_ALL: 'C' }, timeoutMs: PACTL_TIMEOUT_MS });
  } catch {
    return undefined; // no pactl
  }
  if (info.code !== 0 || info.timedOut) return undefined;
  if (options.configured) return options.configured;
  const sink = parseDefaultSink(info.stdout);
  return sink ? `${sink}.monitor` : undefined;
}

/** ffmpeg input arguments for a PulseAudio source, read in small fragments for low delay. */
export function pulseInputArgs(source: string): string[] {
  return ['-f', 'pulse', '-fragment_size', String(FRAGMENT_BYTES), '-sample_rate', '48000', '-channels', '2', '-i', source];
}

export const AUDIO_PAYLOAD_TYPE = 111;

/** A PulseAudio source as Opus RTP on loopback: 10 ms frames, low-delay mode, what browsers play. */
export function opusRtpArgs(source: string, rtpPort: number, bitrateKbps = 96): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...pulseInputArgs(source),
    '-c:a', 'libopus', '-application', 'lowdelay', '-frame_duration', '10', '-b:a', `${bitrateKbps}k`,
    '-vn', '-payload_type', String(AUDIO_PAYLOAD_TYPE),
    '-f', 'rtp', `rtp://127.0.0.1:${rtpPort}?pkt_size=1200`,
  ];
}
