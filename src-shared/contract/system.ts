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
