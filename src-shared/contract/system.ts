import { z } from 'zod';

export const systemInfoSchema = z.object({
  name: z.string().describe('The studio name from the config'),
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.number().describe('Unix ms'),
  uptimeSec: z.number(),
  platform: z.string(),
  arch: z.string(),
  node: z.string(),
  hostname: z.string(),
  home: z.string().describe('The studio home folder: config, database, logs, token'),
  mode: z.enum(['host', 'desktop']),
  url: z.string().describe('Where the UI and API are served'),
  safeMode: z
    .object({
      attempts: z.number().int().describe('Starts in a row that did not finish before this one'),
      phase: z.string().describe('How far the last of them got (database, wiring, service:<name>, running)'),
      error: z.string().nullable().describe('Its error, when one was caught; null when it was killed or crashed'),
      reason: z.string(),
    })
    .nullable()
    .describe('Why this start is a safe mode (UI, API and sign-in only), or null'),
  capture: z
    .object({
      native: z.object({
        features: z.array(z.string()).describe('Parts of the native addon built here (pipewire: Wayland capture)'),
        reason: z.string().nullable().describe('Why the addon or one of its parts is missing, or null'),
      }),
      wayland: z.string().nullable().describe('Why the Wayland desktop the host runs in has no displays here, or null'),
    })
    .describe('What the host can capture with, and why not where it cannot'),
  webrtc: z
    .object({
      fanout: z.object({
        path: z.enum(['native', 'js']).describe('native: the addon protects and sends each packet to every viewer in one call; js: werift sends per viewer'),
        reason: z.string().nullable().describe('Why the JavaScript path (the addon built without libsrtp, or webrtc.fanout is js), or null'),
      }),
    })
    .describe('How WebRTC (WHEP) viewers that join now are fed (webrtc.fanout and the addon)'),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;

export const interfaceStatsSchema = z.object({
  name: z.string(),
  rxBytesPerSec: z.number(),
  txBytesPerSec: z.number(),
});

export const systemStatsSchema = z.object({
  at: z.number().describe('Unix ms of the sample'),
  cpu: z.object({
    loadPercent: z.number(),
    userPercent: z.number(),
    systemPercent: z.number(),
    cores: z.array(z.number()).describe('Per-core load, percent'),
    loadAvg: z.tuple([z.number(), z.number(), z.number()]),
  }),
  memory: z.object({
    totalBytes: z.number(),
    usedBytes: z.number().describe('Used by programs, not counting caches'),
    availableBytes: z.number(),
    swapTotalBytes: z.number(),
    swapUsedBytes: z.number(),
  }),
  network: z.object({
    rxBytesPerSec: z.number(),
    txBytesPerSec: z.number(),
    interfaces: z.array(interfaceStatsSchema),
  }),
  processes: z.object({
    all: z.number().int(),
    running: z.number().int(),
    sleeping: z.number().int(),
    blocked: z.number().int(),
  }),
  host: z.object({
    pid: z.number().int(),
    cpuPercent: z.number().describe('This host process, percent of one core'),
    rssBytes: z.number(),
    heapUsedBytes: z.number(),
    uptimeSec: z.number(),
    children: z.number().int().describe('Child processes the host owns (ffmpeg, Xvfb, OBS, nginx)'),
  }),
});
export type SystemStats = z.infer<typeof systemStatsSchema>;

export const encoderVendors = ['nvidia', 'intel', 'amd', 'vaapi', 'apple', 'software'] as const;
export const encoderCodecs = ['h264', 'hevc', 'av1', 'vp8', 'vp9', 'aac', 'opus'] as const;

export const encoderProbeSchema = z.object({
  name: z.string().describe('ffmpeg encoder name, e.g. h264_nvenc'),
  codec: z.enum(encoderCodecs),
  vendor: z.enum(encoderVendors),
  hardware: z.boolean(),
  compiledIn: z.boolean().describe('Listed by `ffmpeg -encoders`'),
  usable: z.boolean().describe('A one-frame trial encode succeeded'),
  error: z.string().optional().describe('Why the trial encode failed, from ffmpeg'),
  probeMs: z.number().optional(),
});
export type EncoderProbe = z.infer<typeof encoderProbeSchema>;

export const ffmpegSourceSchema = z.enum(['env', 'path', 'bundled']);

export const ffmpegInfoSchema = z.object({
  found: z.boolean(),
  path: z.string().nullable(),
  source: ffmpegSourceSchema.nullable().describe('FFMPEG_PATH, the PATH, or the binary shipped in an npm package'),
  version: z.string().nullable(),
  ffprobePath: z.string().nullable(),
  probedAt: z.number().nullable(),
  cached: z.boolean().describe('Served from the probe cache (same binary, same size and mtime)'),
  encoders: z.array(encoderProbeSchema),
  features: z.record(z.string(), z.boolean()).describe('Muxers, protocols and devices the studio relies on'),
  missing: z.array(z.string()).describe('What this ffmpeg lacks, in words'),
  error: z.string().optional(),
});
export type FfmpegInfo = z.infer<typeof ffmpegInfoSchema>;

/** One backup file in the backups folder (`streams-backup-<date>.tar.gz`). */
export const backupItemSchema = z.object({
  name: z.string(),
  bytes: z.number().int(),
  /** When it was written (ms since the epoch). */
  at: z.number(),
  /** The recordings and the library are inside. */
  media: z.boolean(),
});
export type BackupItem = z.infer<typeof backupItemSchema>;

export const backupStatusSchema = z.object({
  /** backup.everyHours: 0 means scheduled backups are off (manual ones still work). */
  everyHours: z.number().int(),
  keep: z.number().int(),
  /** The backups folder on the host. */
  dir: z.string(),
  media: z.boolean(),
  /** When the next scheduled backup is due (ms since the epoch), null when off. */
  nextAt: z.number().nullable(),
  running: z.boolean(),
  /** The last attempt, scheduled or manual, since the host started. */
  last: z
    .object({ at: z.number(), ok: z.boolean(), name: z.string().nullable(), bytes: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number() })
    .nullable(),
  /** Newest first. */
  items: z.array(backupItemSchema),
});
export type BackupStatus = z.infer<typeof backupStatusSchema>;
