import { z } from 'zod';
import { bridgesConfigSchema } from './config-bridges.js';
import { auditConfigSchema, authConfigSchema, backupConfigSchema, BEARER_TOKEN_OR_EMPTY, int, isBearerTokenOrEmpty, limitsConfigSchema, optionalHttpUrl, tlsConfigSchema } from './config-auth.js';
import { scalingConfigSchema } from './config-scaling.js';

/**
 * The one config schema: it validates config.yaml, STREAMS_* environment variables and API patches.
 * `description` is what the Settings page and the shipped config.yaml say about a key;
 * `restart: true` marks keys that take effect only when the host restarts.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export const configSchema = z
  .object({
    studio: z
      .object({
        name: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(64, 'must be at most 64 characters')
          .default('Streams Studio')
          .meta({ description: 'Name shown in the window title, the browser tab and to paired devices.' }),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        port: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 65535')
          .max(65535, 'must be between 1 and 65535')
          .default(7070)
          .meta({ description: 'Port of the control API, the web UI and the media playback URLs.', restart: true }),
        bind: z
          .string()
          .min(1, 'must not be empty')
          .default('127.0.0.1')
          .meta({
            description: 'Address to listen on. Anything but loopback needs tlsCert and tlsKey.',
            restart: true,
          }),
        tlsCert: z
          .string()
          .default('')
          .meta({ description: 'PEM certificate file; with tlsKey, the host serves HTTPS.', restart: true }),
        tlsKey: z.string().default('').meta({ description: 'PEM private key file for tlsCert.', restart: true }),
        allowInsecureRemote: z
          .boolean()
          .default(false)
          .meta({
            description: 'Allow a non-loopback bind without TLS (tokens then cross the network in clear text).',
            restart: true,
          }),
        sessionTtlHours: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 8760')
          .max(8760, 'must be between 1 and 8760')
          .default(168)
          .meta({ description: 'How long a browser stays signed in after opening a login link.' }),
      })
      .strict()
      .prefault({}),
    rtmp: z
      .object({
        port: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 65535')
          .max(65535, 'must be between 1 and 65535')
          .default(1935)
          .meta({ description: 'RTMP ingest port (OBS: Server rtmp://HOST:PORT/live).', restart: true }),
        bind: z
          .string()
          .min(1, 'must not be empty')
          .default('127.0.0.1')
          .meta({ description: 'RTMP listen address; 0.0.0.0 accepts encoders on other machines.', restart: true }),
        tlsPort: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 (off) or a port between 1 and 65535')
          .max(65535, 'must be 0 (off) or a port between 1 and 65535')
          .default(0)
          .meta({ description: 'RTMPS port, using http.tlsCert and http.tlsKey; 0 turns RTMPS off.', restart: true }),
      })
      .strict()
      .prefault({}),
    srt: z
      .object({
        port: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 65535')
          .max(65535, 'must be between 1 and 65535')
          .default(8890)
          .meta({ description: 'SRT ingest port (UDP): srt://HOST:PORT?streamid=publish:KEY.', restart: true }),
        bind: z
          .string()
          .min(1, 'must not be empty')
          .default('127.0.0.1')
          .meta({ description: 'SRT listen address; 0.0.0.0 accepts encoders on other machines.', restart: true }),
      })
      .strict()
      .prefault({}),
    live: z
      .object({
        defaultLadder: z
          .enum(['passthrough', 'standard', 'high'])
          .default('standard')
          .meta({ description: 'Ladder of new streams: passthrough (no re-encode), standard (source+720/480/360p), high (1080p..360p).' }),
        segmentSeconds: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 10')
          .max(10, 'must be between 1 and 10')
          .default(2)
          .meta({ description: 'HLS/DASH segment length and keyframe interval of re-encoded renditions, in seconds.' }),
        windowSegments: z
          .number()
          .int('must be a whole number')
          .min(3, 'must be between 3 and 60')
          .max(60, 'must be between 3 and 60')
          .default(6)
          .meta({ description: 'Segments listed in a live playlist (the sliding window viewers can seek in).' }),
        defaultLatency: z
          .enum(['low', 'standard'])
          .default('low')
          .meta({ description: 'Latency mode of new streams: low (LL-HLS parts, chunked LL-DASH, DVR window) or standard (2 s segments).' }),
        partMs: z
          .number()
          .int('must be a whole number')
          .min(100, 'must be between 100 and 1000')
          .max(1000, 'must be between 100 and 1000')
          .default(200)
          .meta({ description: 'Low latency: the part (CMAF chunk) target in milliseconds; players wait about three parts behind live.' }),
        dvrMinutes: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 and 240')
          .max(240, 'must be between 0 and 240')
          .default(60)
          .meta({ description: 'Low latency: minutes viewers can rewind while a stream is live (new streams; each stream can set its own).' }),
        dvrMaxMegabytes: z
          .number()
          .int('must be a whole number')
          .min(100, 'must be between 100 and 10000000')
          .max(10_000_000, 'must be between 100 and 10000000')
          .default(20_480)
          .meta({ description: 'Disk the DVR windows of all live streams may use together, in megabytes; the oldest segments go first.' }),
        keyRotationSegments: int(1, 10_000)
          .default(30)
          .meta({ description: 'Encrypted streams (AES-128): segments each content key covers before the next one (30 x 2 s: a new key every minute).' }),
        cbcsKeyRotationSegments: int(0, 10_000)
          .default(0)
          .meta({ description: 'cbcs streams: segments each content key covers before the next one; 0: one key per live run (dash.js 5 cannot follow a ClearKey rotation; hls.js can).' }),
        keyProviderUrl: optionalHttpUrl()
          .meta({ description: "Encrypted streams: a key provider POSTed {stream, kid, method} for each content key, answering {key} (16 bytes, base64); empty: the host makes its own keys." }),
        keyProviderToken: z
          .string()
          .default('')
          .refine(isBearerTokenOrEmpty, BEARER_TOKEN_OR_EMPTY)
          .meta({ description: 'Encrypted streams: the bearer token the host sends to keyProviderUrl (Authorization: Bearer); empty: none. Shown only as its last 4 characters.', secret: true }),
        keyProviderTimeoutMs: int(100, 30_000)
          .default(3000)
          .meta({ description: 'How long the key provider may take; a stream whose first key does not come does not go live (never clear).' }),
      })
      .strict()
      .prefault({}),
    recording: z
      .object({
        dir: z
          .string()
          .default('')
          .meta({ description: 'Folder of recordings; empty means "recordings" in the studio home.' }),
        format: z.enum(['mp4', 'mkv']).default('mp4').meta({ description: 'Container: fragmented MP4 (plays while written) or MKV.' }),
        splitMinutes: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 (never) and 1440')
          .max(1440, 'must be between 0 (never) and 1440')
          .default(60)
          .meta({ description: 'Start a new file after this many minutes; 0 never splits by time.' }),
        splitMegabytes: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 (never) or more')
          .max(1_000_000, 'must be at most 1000000')
          .default(0)
          .meta({ description: 'Start a new file after this many megabytes; 0 never splits by size.' }),
        retentionDays: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 (keep forever) and 3650')
          .max(3650, 'must be between 0 (keep forever) and 3650')
          .default(30)
          .meta({ description: 'Delete recordings older than this many days; 0 keeps them forever.' }),
        minFreeMegabytes: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 or more')
          .max(10_000_000, 'must be at most 10000000')
          .default(2048)
          .meta({ description: 'Keep this much disk free: the oldest recordings go first, and recording stops below it.' }),
      })
      .strict()
      .prefault({}),
    library: z
      .object({
        dir: z
          .string()
          .default('')
          .meta({ description: 'Folder of the video library (uploads and processed videos); empty means "library" in the studio home.' }),
        maxUploadMegabytes: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 1000000')
          .max(1_000_000, 'must be between 1 and 1000000')
          .default(20480)
          .meta({ description: 'Largest file an upload may declare, in megabytes.' }),
        minFreeMegabytes: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 or more')
          .max(10_000_000, 'must be at most 10000000')
          .default(1024)
          .meta({ description: 'Uploads are refused (507) when they would leave less disk free than this.' }),
        uploadExpiryHours: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 720')
          .max(720, 'must be between 1 and 720')
          .default(24)
          .meta({ description: 'An unfinished upload untouched this long is deleted.' }),
        concurrency: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 (from the cores) and 16')
          .max(16, 'must be between 0 (from the cores) and 16')
          .default(0)
          .meta({ description: 'Processing jobs run at once (recordings\' VOD conversions included); 0 means one per 4 cores (at least one).' }),
        stallSeconds: z
          .number()
          .int('must be a whole number')
          .min(10, 'must be between 10 and 3600')
          .max(3600, 'must be between 10 and 3600')
          .default(120)
          .meta({ description: 'A job whose ffmpeg makes no progress this long is killed and retried.' }),
        maxAttempts: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 10')
          .max(10, 'must be between 1 and 10')
          .default(3)
          .meta({ description: 'Runs of a job before it fails (a stall or an interrupted host counts; bad media and a full disk fail at once).' }),
        runnerLeaseSeconds: z
          .number()
          .int('must be a whole number')
          .min(3, 'must be between 3 and 600')
          .max(600, 'must be between 3 and 600')
          .default(30)
          .meta({ description: 'A runner that says nothing of a job this long (no progress, no heartbeat) loses it: the job goes back to the queue.' }),
        processOnOrigin: z
          .boolean()
          .default(true)
          .meta({ description: 'Process library videos on this host too; false leaves them to the runners while at least one is connected.' }),
        defaultPreset: z
          .enum(['fast', 'balanced', 'high'])
          .default('balanced')
          .meta({ description: 'Encoding preset of new videos: fast (H.264 veryfast), balanced (H.264 medium), high (HEVC when an encoder exists).' }),
      })
      .strict()
      .prefault({}),
    auth: authConfigSchema,
    limits: limitsConfigSchema,
    audit: auditConfigSchema,
    backup: backupConfigSchema,
    tls: tlsConfigSchema,
    data: z
      .object({
        historySize: z
          .number()
          .int('must be a whole number')
          .min(10, 'must be between 10 and 100000')
          .max(100_000, 'must be between 10 and 100000')
          .default(1000)
          .meta({ description: 'Messages kept in memory per channel for Last-Event-ID replay and joining subscribers.' }),
        maxMessageKilobytes: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 1024')
          .max(1024, 'must be between 1 and 1024')
          .default(64)
          .meta({ description: 'Largest message body (JSON or MessagePack), in KiB; larger ones answer 413.' }),
        subscriberQueue: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 100000')
          .max(100_000, 'must be between 1 and 100000')
          .default(256)
          .meta({ description: 'Messages waiting for one slow subscriber before its policy acts (drop-oldest, queue, disconnect).' }),
        defaultPolicy: z
          .enum(['drop-oldest', 'queue', 'disconnect'])
          .default('drop-oldest')
          .meta({ description: 'What a slow subscriber gets when it does not ask (?policy=): drop-oldest, queue (then cut off), disconnect.' }),
        heartbeatSeconds: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 300')
          .max(300, 'must be between 1 and 300')
          .default(15)
          .meta({ description: 'Heartbeat on idle WebSocket and SSE subscriptions (proxies close silent connections).' }),
        retentionDays: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 3650')
          .max(3650, 'must be between 1 and 3650')
          .default(90)
          .meta({ description: 'Messages and chat lines are kept this long for replay with recordings.' }),
      })
      .strict()
      .prefault({}),
    mqtt: z
      .object({
        port: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be 0 (off) or a port between 1 and 65535')
          .max(65535, 'must be 0 (off) or a port between 1 and 65535')
          .default(1883)
          .meta({ description: 'MQTT broker port (3.1.1 and 5; topics streams/<name>/data/<channel>); 0 turns it off.', restart: true }),
        bind: z
          .string()
          .min(1, 'must not be empty')
          .default('127.0.0.1')
          .meta({ description: 'MQTT listen address; 0.0.0.0 accepts clients on other machines (they sign in with a token or a stream key).', restart: true }),
        maxPacketKilobytes: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 1024')
          .max(1024, 'must be between 1 and 1024')
          .default(256)
          .meta({ description: 'Largest MQTT packet accepted, in KiB.', restart: true }),
      })
      .strict()
      .prefault({}),
    bridges: bridgesConfigSchema,
    log: z
      .object({
        level: z
          .enum(logLevels)
          .default('info')
          .meta({ description: 'Least severe level written to the log file and the console.' }),
      })
      .strict()
      .prefault({}),
    system: z
      .object({
        statsIntervalMs: z
          .number()
          .int('must be a whole number')
          .min(500, 'must be between 500 and 60000')
          .max(60000, 'must be between 500 and 60000')
          .default(2000)
          .meta({ description: 'How often CPU, memory, network and process stats are sampled and pushed.' }),
      })
      .strict()
      .prefault({}),
    ffmpeg: z
      .object({
        probeTimeoutMs: z
          .number()
          .int('must be a whole number')
          .min(1000, 'must be between 1000 and 120000')
          .max(120000, 'must be between 1000 and 120000')
          .default(15000)
          .meta({ description: 'Time allowed for each one-frame trial encode when probing encoders.' }),
      })
      .strict()
      .prefault({}),
    obs: z
      .object({
        statsIntervalMs: z
          .number()
          .int('must be a whole number')
          .min(250, 'must be between 250 and 10000')
          .max(10000, 'must be between 250 and 10000')
          .default(1000)
          .meta({ description: 'How often OBS stats (fps, dropped frames, CPU, bitrate) are sampled and pushed.' }),
        managed: z
          .boolean()
          .default(false)
          .meta({
            description: 'Host mode: start OBS Studio under a virtual display (websocket on, random password), supervised and stopped with the host.',
            restart: true,
          }),
      })
      .strict()
      .prefault({}),
    webrtc: z
      .object({
        portMin: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 and 65535')
          .max(65535, 'must be between 0 and 65535')
          .default(0)
          .meta({ description: 'Lowest UDP port of WebRTC ICE candidates; 0 lets the system choose any port.', restart: false }),
        portMax: z
          .number()
          .int('must be a whole number')
          .min(0, 'must be between 0 and 65535')
          .max(65535, 'must be between 0 and 65535')
          .default(0)
          .meta({ description: 'Highest UDP port of WebRTC ICE candidates when portMin is set; 0 means 65535.', restart: false }),
        bindAddress: z
          .string()
          .default('')
          .meta({ description: 'IPv4 address of the one (non-loopback) interface whose host candidates are offered; empty offers every interface.' }),
        publicAddress: z
          .string()
          .default('')
          .meta({ description: 'An extra host candidate address, e.g. the public address in front of a 1:1 NAT; empty adds none.' }),
        stunServer: z
          .string()
          .refine((v) => v === '' || /^stuns?:/.test(v), 'must start with stun: or stuns:')
          .default('')
          .meta({ description: 'STUN server for server-reflexive candidates, e.g. stun:stun.example.com:3478; empty uses none.' }),
        turnServer: z
          .string()
          .refine((v) => v === '' || /^turns?:/.test(v), 'must start with turn: or turns:')
          .default('')
          .meta({ description: 'TURN server for relayed candidates, e.g. turn:turn.example.com:3478?transport=udp; empty uses none.' }),
        turnUsername: z
          .string()
          .default('')
          .meta({ description: 'User name for the TURN server.' }),
        turnCredential: z
          .string()
          .default('')
          .meta({ description: 'Password for the TURN server.' }),
        silenceTimeoutSec: z
          .number()
          .int('must be a whole number')
          .min(3, 'must be between 3 and 60')
          .max(60, 'must be between 3 and 60')
          .default(6)
          .meta({ description: 'A WebRTC viewer without receiver reports, or a publisher without media, for this long is dropped.' }),
        twcc: z
          .boolean()
          .default(false)
          .meta({ description: 'Negotiate transport-wide congestion control feedback (off: it made Chrome underestimate bandwidth).' }),
        fanout: z
          .enum(['auto', 'js'])
          .default('auto')
          .meta({ description: 'What feeds WHEP viewers: auto uses the native fan-out (libsrtp, one call per packet for every viewer) where the addon has it, js always werift in JavaScript. Applies to viewers that join after a change.', restart: false }),
      })
      .strict()
      .prefault({}),
    guests: z
      .object({
        max: z
          .number()
          .int('must be a whole number')
          .min(1, 'must be between 1 and 16')
          .max(16, 'must be between 1 and 16')
          .default(6)
          .meta({ description: 'Guests on one show at a time; the producer cannot admit more (the others wait in the green room).' }),
      })
      .strict()
      .prefault({}),
    remote: z
      .object({
        bitrateKbps: z
          .number()
          .int('must be a whole number')
          .min(300, 'must be between 300 and 50000')
          .max(50000, 'must be between 300 and 50000')
          .default(4000)
          .meta({ description: 'Video bitrate of a remote-desktop capture at full quality; adaptation steps down from it when a viewer loses packets.' }),
        adaptive: z
          .boolean()
          .default(true)
          .meta({ description: 'Lower the resolution and bitrate of a remote-desktop capture while a viewer reports loss or delay, and raise them again when it clears.' }),
        audio: z
          .enum(['auto', 'off'])
          .default('auto')
          .meta({ description: 'Send the sound of the host session (PulseAudio monitor on Linux) to remote viewers as Opus when a sound server answers; off sends none.' }),
        audioSource: z
          .string()
          .max(256, 'must be at most 256 characters')
          .default('')
          .meta({ description: 'PulseAudio source to send; empty uses the monitor of the default sink.' }),
        clipboard: z
          .boolean()
          .default(true)
          .meta({ description: 'Share clipboard text both ways with viewers of control sessions.' }),
        rdpBindAddress: z
          .string()
          .regex(/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/, 'must be an IP address')
          .default('127.0.0.1')
          .meta({ description: 'Address RDP clients connect to when an RDP access is open on a display: 127.0.0.1 lets in this machine only (or an SSH tunnel); 0.0.0.0 the network.' }),
      })
      .strict()
      .prefault({}),
    scaling: scalingConfigSchema,
  })
  .strict();

export type StudioConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

export const CONFIG_DEFAULTS: StudioConfig = configSchema.parse({});

/** A deep partial of the config, as sent by `config.update`. Unknown keys are refused. */
export const configPatchSchema = z.record(z.string(), z.unknown());

export type ConfigFieldType = 'string' | 'integer' | 'number' | 'boolean' | 'enum';

export interface ConfigField {
  /** Dotted path, e.g. `http.port`. */
  path: string;
  /** The environment variable that overrides it, e.g. `STREAMS_HTTP_PORT`. */
  env: string;
  type: ConfigFieldType;
  description: string;
  restart: boolean;
  default: unknown;
  /** A credential: the API shows its last 4 characters only (secretHintOf), the Settings page a password input. */
  secret?: boolean;
  options?: readonly string[];
  min?: number;
  max?: number;
}

/** `http.statsIntervalMs` -> `STREAMS_HTTP_STATS_INTERVAL_MS`. */
export function envNameOf(path: string): string {
  return (
    'STREAMS_' +
    path
      .split('.')
      .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))
      .join('_')
      .toUpperCase()
  );
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
      s = s.unwrap() as z.ZodType;
    } else {
      return s;
    }
  }
}

function metaOf(schema: z.ZodType): { description?: string; restart?: boolean; secret?: boolean } {
  return (schema.meta() as { description?: string; restart?: boolean; secret?: boolean } | undefined) ?? {};
}

/** What the API shows of a secret: its last 4 characters, nothing of one too short to hide the rest; '' when unset. */
export function secretHintOf(value: string): string {
  if (value === '') return '';
  return value.length >= 8 ? `…${value.slice(-4)}` : '…';
}

/** Every leaf key of the config, in declaration order: drives the Settings page and the env mapping. */
export function listConfigFields(): ConfigField[] {
  const fields: ConfigField[] = [];
  const walk = (schema: z.ZodObject, prefix: string[], defaults: Record<string, unknown>): void => {
    for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const inner = unwrap(child);
      const path = [...prefix, key];
      if (inner instanceof z.ZodObject) {
        walk(inner, path, defaults[key] as Record<string, unknown>);
        continue;
      }
      const meta = metaOf(child);
      const field: ConfigField = {
        path: path.join('.'),
        env: envNameOf(path.join('.')),
        type: 'string',
        description: meta.description ?? '',
        restart: meta.restart ?? false,
        default: defaults[key],
      };
      if (meta.secret) field.secret = true;
      if (inner instanceof z.ZodBoolean) field.type = 'boolean';
      else if (inner instanceof z.ZodEnum) {
        field.type = 'enum';
        field.options = inner.options as string[];
      } else if (inner instanceof z.ZodNumber) {
        field.type = inner.format === 'safeint' || inner.isInt ? 'integer' : 'number';
        if (inner.minValue !== null && Number.isFinite(inner.minValue)) field.min = inner.minValue;
        if (inner.maxValue !== null && Number.isFinite(inner.maxValue)) field.max = inner.maxValue;
      }
      fields.push(field);
    }
  };
  walk(configSchema, [], CONFIG_DEFAULTS as unknown as Record<string, unknown>);
  return fields;
}

export function getAtPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
