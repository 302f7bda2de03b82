import { z } from 'zod';

/**
 * Viewers who help each other: HLS viewers of one stream and rendition exchange segments over WebRTC
 * data channels (p2p-media-loader in the player page, the host as its WebSocket tracker). Pure rules
 * here, shared by the host (which answers what a stream allows) and the player page (which obeys it).
 *
 * `mode`: `auto` shares between viewers of a public standard-latency stream, not of a private or a
 * low-latency one; `on` and `off` say so whatever the stream is. An encrypted stream's segments never
 * travel between viewers (its segments leave the host encrypted per viewer session's key period; the
 * hash a peer's copy is checked against would be of bytes the page cannot read anyway).
 */
export const p2pModes = ['auto', 'on', 'off'] as const;
export type P2pMode = (typeof p2pModes)[number];

/**
 * `auto` unless a stream says otherwise: viewers of a public standard-latency stream share, of a
 * private or low-latency one only with `on`. A stored value from before P2P existed (none) reads as this too.
 */
export const P2P_DEFAULTS = { mode: 'auto', maxPeers: 5, maxUploadKbps: 0 } as const satisfies P2pSettings;
/** The most peers a viewer may be offered to at once (the tracker keeps each announce's offers to it). */
export const P2P_MAX_PEERS = 20;
/** Upload caps: 0 (none) or 64 kb/s up to 1 Gb/s. */
export const P2P_MAX_UPLOAD_KBPS = 1_000_000;

export interface P2pSettings {
  mode: P2pMode;
  /** The most peers one viewer offers to connect to (each announce), 1-20. */
  maxPeers: number;
  /** The most a viewer uploads to its peers, kb/s averaged over 5 s; 0: no cap. */
  maxUploadKbps: number;
}

export const p2pSettingsSchema = z.object({
  mode: z.enum(p2pModes).describe('auto: viewers of a public standard-latency stream share segments, of a private or low-latency one not; on; off'),
  maxPeers: z.number().int().min(1).max(P2P_MAX_PEERS).describe('The most peers one viewer connects to (per announce)'),
  maxUploadKbps: z.number().int().min(0).max(P2P_MAX_UPLOAD_KBPS).describe('The most one viewer uploads to its peers, kb/s; 0: no cap'),
  active: z.boolean().describe('Whether its viewers share segments now (from mode, private, latency and encryption)'),
});

export const p2pSettingsInput = z
  .object({
    mode: z.enum(p2pModes).optional(),
    maxPeers: z.number().int().min(1).max(P2P_MAX_PEERS).optional(),
    maxUploadKbps: z.number().int().min(0).max(P2P_MAX_UPLOAD_KBPS).optional(),
  })
  .strict();
export type P2pSettingsInput = z.infer<typeof p2pSettingsInput>;

/**
 * Whether viewers of a stream share segments. `auto` shares where it pays: a public stream at standard
 * latency. A low-latency stream's viewers take parts at the live edge over HTTP, and peers could serve
 * them only whole segments behind it (after a seek back), for the cost of the sharing itself: `on` says so.
 */
export function p2pActive(settings: Pick<P2pSettings, 'mode'>, stream: { private: boolean; encryption: string; latency: string }): boolean {
  if (stream.encryption !== 'none') return false;
  return settings.mode === 'on' || (settings.mode === 'auto' && !stream.private && stream.latency !== 'low');
}

/** A stored value (JSON, possibly from an older version or hand-edited) read back: anything unknown takes its default. */
export function p2pSettingsOf(raw: unknown): P2pSettings {
  const o = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const mode = p2pModes.includes(o.mode as P2pMode) ? (o.mode as P2pMode) : P2P_DEFAULTS.mode;
  const int = (v: unknown, min: number, max: number, fallback: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fallback;
  return {
    mode,
    maxPeers: int(o.maxPeers, 1, P2P_MAX_PEERS, P2P_DEFAULTS.maxPeers),
    maxUploadKbps: int(o.maxUploadKbps, 0, P2P_MAX_UPLOAD_KBPS, P2P_DEFAULTS.maxUploadKbps),
  };
}

/** The tracker (WebSocket) of a stream's swarm, on the host or an edge in front of it. */
export const p2pTrackerPath = (name: string): string => `/p2p/${name}/announce`;
/** The tracker of a library video's swarm (its watch page's viewers). */
export const p2pVideoTrackerPath = (id: string): string => `/p2p/videos/${id}/announce`;

/**
 * Whether the viewers of a library video share its segments: a public or unlisted one's do (its files
 * are anyone's with the link), a private one's never (each file needs its viewer's signed URL), nor an
 * encrypted one's (as for streams).
 */
export function videoP2pActive(video: { visibility: string; encryption: string }): boolean {
  return video.visibility !== 'private' && video.encryption === 'none';
}

/**
 * Where a segment's hash is published: beside the segment, `<segment path>.sha256` (the same query: a
 * private stream's signature), its body the SHA-256 of the segment's bytes in lower-case hex. Immutable
 * like the segment, so edges keep it as long.
 */
export const P2P_HASH_SUFFIX = '.sha256';

/** The hash URL of a segment URL (its query kept). */
export function segmentHashUrl(segmentUrl: string): string {
  const q = segmentUrl.indexOf('?');
  return q < 0 ? segmentUrl + P2P_HASH_SUFFIX : segmentUrl.slice(0, q) + P2P_HASH_SUFFIX + segmentUrl.slice(q);
}

/**
 * The upload cap's arithmetic: bytes sent in the last `windowMs` (samples of [time, bytes]) against
 * `maxUploadKbps`; true while the viewer may go on uploading. Samples older than the window are dropped
 * from `samples` (mutated: the page keeps one array).
 */
export function uploadAllowed(samples: [number, number][], now: number, maxUploadKbps: number, windowMs = 5000): boolean {
  while (samples.length > 0 && samples[0]![0] <= now - windowMs) samples.shift();
  if (maxUploadKbps <= 0) return true;
  const bytes = samples.reduce((sum, [, b]) => sum + b, 0);
  return (bytes * 8) / windowMs < maxUploadKbps;
}

/** Functions inlined into the player page (it has no bundle). */
export const P2P_FUNCTIONS = [segmentHashUrl, uploadAllowed] as const;
