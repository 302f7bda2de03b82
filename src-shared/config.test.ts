/// <reference types="vite/client" />
// src-shared may not import Node (lint): the shipped defaults file is read through Vite's `?raw` import.
import shippedYaml from '../resources/config.default.yaml?raw';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIG_DEFAULTS, configSchema, envNameOf, getAtPath, listConfigFields, type ConfigField } from './config.js';

const EXPECTED: Omit<ConfigField, 'description'>[] = [
  { path: 'studio.name', env: 'STREAMS_STUDIO_NAME', type: 'string', restart: false, default: 'Streams Studio' },
  { path: 'http.port', env: 'STREAMS_HTTP_PORT', type: 'integer', restart: true, default: 7070, min: 1, max: 65535 },
  { path: 'http.bind', env: 'STREAMS_HTTP_BIND', type: 'string', restart: true, default: '127.0.0.1' },
  { path: 'http.tlsCert', env: 'STREAMS_HTTP_TLS_CERT', type: 'string', restart: true, default: '' },
  { path: 'http.tlsKey', env: 'STREAMS_HTTP_TLS_KEY', type: 'string', restart: true, default: '' },
  {
    path: 'http.allowInsecureRemote',
    env: 'STREAMS_HTTP_ALLOW_INSECURE_REMOTE',
    type: 'boolean',
    restart: true,
    default: false,
  },
  {
    path: 'http.sessionTtlHours',
    env: 'STREAMS_HTTP_SESSION_TTL_HOURS',
    type: 'integer',
    restart: false,
    default: 168,
    min: 1,
    max: 8760,
  },
  { path: 'rtmp.port', env: 'STREAMS_RTMP_PORT', type: 'integer', restart: true, default: 1935, min: 1, max: 65535 },
  { path: 'rtmp.bind', env: 'STREAMS_RTMP_BIND', type: 'string', restart: true, default: '127.0.0.1' },
  { path: 'rtmp.tlsPort', env: 'STREAMS_RTMP_TLS_PORT', type: 'integer', restart: true, default: 0, min: 0, max: 65535 },
  { path: 'srt.port', env: 'STREAMS_SRT_PORT', type: 'integer', restart: true, default: 8890, min: 1, max: 65535 },
  { path: 'srt.bind', env: 'STREAMS_SRT_BIND', type: 'string', restart: true, default: '127.0.0.1' },
  {
    path: 'live.defaultLadder',
    env: 'STREAMS_LIVE_DEFAULT_LADDER',
    type: 'enum',
    restart: false,
    default: 'standard',
    options: ['passthrough', 'standard', 'high'],
  },
  { path: 'live.segmentSeconds', env: 'STREAMS_LIVE_SEGMENT_SECONDS', type: 'integer', restart: false, default: 2, min: 1, max: 10 },
  { path: 'live.windowSegments', env: 'STREAMS_LIVE_WINDOW_SEGMENTS', type: 'integer', restart: false, default: 6, min: 3, max: 60 },
  { path: 'live.defaultLatency', env: 'STREAMS_LIVE_DEFAULT_LATENCY', type: 'enum', restart: false, default: 'low', options: ['low', 'standard'] },
  { path: 'live.partMs', env: 'STREAMS_LIVE_PART_MS', type: 'integer', restart: false, default: 200, min: 100, max: 1000 },
  { path: 'live.dvrMinutes', env: 'STREAMS_LIVE_DVR_MINUTES', type: 'integer', restart: false, default: 60, min: 0, max: 240 },
  { path: 'live.dvrMaxMegabytes', env: 'STREAMS_LIVE_DVR_MAX_MEGABYTES', type: 'integer', restart: false, default: 20480, min: 100, max: 10000000 },
  { path: 'live.keyRotationSegments', env: 'STREAMS_LIVE_KEY_ROTATION_SEGMENTS', type: 'integer', restart: false, default: 30, min: 1, max: 10000 },
  { path: 'live.cbcsKeyRotationSegments', env: 'STREAMS_LIVE_CBCS_KEY_ROTATION_SEGMENTS', type: 'integer', restart: false, default: 0, min: 0, max: 10000 },
  { path: 'live.keyProviderUrl', env: 'STREAMS_LIVE_KEY_PROVIDER_URL', type: 'string', restart: false, default: '' },
  { path: 'live.keyProviderToken', env: 'STREAMS_LIVE_KEY_PROVIDER_TOKEN', type: 'string', restart: false, default: '', secret: true },
  { path: 'live.keyProviderTimeoutMs', env: 'STREAMS_LIVE_KEY_PROVIDER_TIMEOUT_MS', type: 'integer', restart: false, default: 3000, min: 100, max: 30000 },
  { path: 'recording.dir', env: 'STREAMS_RECORDING_DIR', type: 'string', restart: false, default: '' },
  { path: 'recording.format', env: 'STREAMS_RECORDING_FORMAT', type: 'enum', restart: false, default: 'mp4', options: ['mp4', 'mkv'] },
  { path: 'recording.splitMinutes', env: 'STREAMS_RECORDING_SPLIT_MINUTES', type: 'integer', restart: false, default: 60, min: 0, max: 1440 },
  { path: 'recording.splitMegabytes', env: 'STREAMS_RECORDING_SPLIT_MEGABYTES', type: 'integer', restart: false, default: 0, min: 0, max: 1000000 },
  { path: 'recording.retentionDays', env: 'STREAMS_RECORDING_RETENTION_DAYS', type: 'integer', restart: false, default: 30, min: 0, max: 3650 },
  { path: 'recording.minFreeMegabytes', env: 'STREAMS_RECORDING_MIN_FREE_MEGABYTES', type: 'integer', restart: false, default: 2048, min: 0, max: 10000000 },
  { path: 'library.dir', env: 'STREAMS_LIBRARY_DIR', type: 'string', restart: false, default: '' },
  { path: 'library.maxUploadMegabytes', env: 'STREAMS_LIBRARY_MAX_UPLOAD_MEGABYTES', type: 'integer', restart: false, default: 20480, min: 1, max: 1000000 },
  { path: 'library.minFreeMegabytes', env: 'STREAMS_LIBRARY_MIN_FREE_MEGABYTES', type: 'integer', restart: false, default: 1024, min: 0, max: 10000000 },
  { path: 'library.uploadExpiryHours', env: 'STREAMS_LIBRARY_UPLOAD_EXPIRY_HOURS', type: 'integer', restart: false, default: 24, min: 1, max: 720 },
  { path: 'library.concurrency', env: 'STREAMS_LIBRARY_CONCURRENCY', type: 'integer', restart: false, default: 0, min: 0, max: 16 },
  { path: 'library.stallSeconds', env: 'STREAMS_LIBRARY_STALL_SECONDS', type: 'integer', restart: false, default: 120, min: 10, max: 3600 },
  { path: 'library.maxAttempts', env: 'STREAMS_LIBRARY_MAX_ATTEMPTS', type: 'integer', restart: false, default: 3, min: 1, max: 10 },
  { path: 'library.runnerLeaseSeconds', env: 'STREAMS_LIBRARY_RUNNER_LEASE_SECONDS', type: 'integer', restart: false, default: 30, min: 3, max: 600 },
  { path: 'library.processOnOrigin', env: 'STREAMS_LIBRARY_PROCESS_ON_ORIGIN', type: 'boolean', restart: false, default: true },
  { path: 'library.defaultPreset', env: 'STREAMS_LIBRARY_DEFAULT_PRESET', type: 'enum', restart: false, default: 'balanced', options: ['fast', 'balanced', 'high'] },
  { path: 'auth.jwksUrl', env: 'STREAMS_AUTH_JWKS_URL', type: 'string', restart: false, default: '' },
  { path: 'auth.jwtIssuer', env: 'STREAMS_AUTH_JWT_ISSUER', type: 'string', restart: false, default: '' },
  { path: 'auth.jwtAudience', env: 'STREAMS_AUTH_JWT_AUDIENCE', type: 'string', restart: false, default: '' },
  { path: 'auth.webhookUrl', env: 'STREAMS_AUTH_WEBHOOK_URL', type: 'string', restart: false, default: '' },
  { path: 'auth.webhookToken', env: 'STREAMS_AUTH_WEBHOOK_TOKEN', type: 'string', restart: false, default: '', secret: true },
  { path: 'auth.webhookTimeoutMs', env: 'STREAMS_AUTH_WEBHOOK_TIMEOUT_MS', type: 'integer', restart: false, default: 2000, min: 100, max: 30000 },
  { path: 'auth.webhookFailure', env: 'STREAMS_AUTH_WEBHOOK_FAILURE', type: 'enum', restart: false, default: 'deny', options: ['deny', 'allow'] },
  { path: 'auth.webhookCacheSeconds', env: 'STREAMS_AUTH_WEBHOOK_CACHE_SECONDS', type: 'integer', restart: false, default: 30, min: 0, max: 3600 },
  { path: 'auth.failedAuthDelayMs', env: 'STREAMS_AUTH_FAILED_AUTH_DELAY_MS', type: 'integer', restart: false, default: 300, min: 0, max: 5000 },
  { path: 'auth.inviteTtlHours', env: 'STREAMS_AUTH_INVITE_TTL_HOURS', type: 'integer', restart: false, default: 168, min: 1, max: 720 },
  { path: 'limits.apiPerMinute', env: 'STREAMS_LIMITS_API_PER_MINUTE', type: 'integer', restart: false, default: 6000, min: 0, max: 1000000 },
  { path: 'limits.loginPerMinute', env: 'STREAMS_LIMITS_LOGIN_PER_MINUTE', type: 'integer', restart: false, default: 30, min: 0, max: 10000 },
  { path: 'limits.uploadPerMinute', env: 'STREAMS_LIMITS_UPLOAD_PER_MINUTE', type: 'integer', restart: false, default: 600, min: 0, max: 1000000 },
  { path: 'limits.failedAuthPerMinute', env: 'STREAMS_LIMITS_FAILED_AUTH_PER_MINUTE', type: 'integer', restart: false, default: 20, min: 1, max: 10000 },
  { path: 'limits.connectionsPerIp', env: 'STREAMS_LIMITS_CONNECTIONS_PER_IP', type: 'integer', restart: false, default: 64, min: 0, max: 100000 },
  { path: 'limits.maxViewersPerStream', env: 'STREAMS_LIMITS_MAX_VIEWERS_PER_STREAM', type: 'integer', restart: false, default: 0, min: 0, max: 1000000 },
  { path: 'limits.allowedOrigins', env: 'STREAMS_LIMITS_ALLOWED_ORIGINS', type: 'string', restart: false, default: '' },
  { path: 'audit.retentionDays', env: 'STREAMS_AUDIT_RETENTION_DAYS', type: 'integer', restart: false, default: 90, min: 1, max: 3650 },
  { path: 'backup.everyHours', env: 'STREAMS_BACKUP_EVERY_HOURS', type: 'integer', restart: false, default: 24, min: 0, max: 720 },
  { path: 'backup.keep', env: 'STREAMS_BACKUP_KEEP', type: 'integer', restart: false, default: 7, min: 1, max: 1000 },
  { path: 'backup.dir', env: 'STREAMS_BACKUP_DIR', type: 'string', restart: false, default: '' },
  { path: 'backup.media', env: 'STREAMS_BACKUP_MEDIA', type: 'boolean', restart: false, default: false },
  { path: 'tls.selfSigned', env: 'STREAMS_TLS_SELF_SIGNED', type: 'boolean', restart: true, default: false },
  { path: 'tls.names', env: 'STREAMS_TLS_NAMES', type: 'string', restart: true, default: '' },
  { path: 'data.historySize', env: 'STREAMS_DATA_HISTORY_SIZE', type: 'integer', restart: false, default: 1000, min: 10, max: 100000 },
  { path: 'data.maxMessageKilobytes', env: 'STREAMS_DATA_MAX_MESSAGE_KILOBYTES', type: 'integer', restart: false, default: 64, min: 1, max: 1024 },
  { path: 'data.subscriberQueue', env: 'STREAMS_DATA_SUBSCRIBER_QUEUE', type: 'integer', restart: false, default: 256, min: 1, max: 100000 },
  { path: 'data.defaultPolicy', env: 'STREAMS_DATA_DEFAULT_POLICY', type: 'enum', restart: false, default: 'drop-oldest', options: ['drop-oldest', 'queue', 'disconnect'] },
  { path: 'data.heartbeatSeconds', env: 'STREAMS_DATA_HEARTBEAT_SECONDS', type: 'integer', restart: false, default: 15, min: 1, max: 300 },
  { path: 'data.retentionDays', env: 'STREAMS_DATA_RETENTION_DAYS', type: 'integer', restart: false, default: 90, min: 1, max: 3650 },
  { path: 'mqtt.port', env: 'STREAMS_MQTT_PORT', type: 'integer', restart: true, default: 1883, min: 0, max: 65535 },
  { path: 'mqtt.bind', env: 'STREAMS_MQTT_BIND', type: 'string', restart: true, default: '127.0.0.1' },
  { path: 'mqtt.maxPacketKilobytes', env: 'STREAMS_MQTT_MAX_PACKET_KILOBYTES', type: 'integer', restart: true, default: 256, min: 1, max: 1024 },
  { path: 'bridges.natsUrl', env: 'STREAMS_BRIDGES_NATS_URL', type: 'string', restart: false, default: '' },
  { path: 'bridges.natsToken', env: 'STREAMS_BRIDGES_NATS_TOKEN', type: 'string', restart: false, default: '', secret: true },
  { path: 'bridges.redisUrl', env: 'STREAMS_BRIDGES_REDIS_URL', type: 'string', restart: false, default: '' },
  { path: 'bridges.redisPassword', env: 'STREAMS_BRIDGES_REDIS_PASSWORD', type: 'string', restart: false, default: '', secret: true },
  { path: 'bridges.prefix', env: 'STREAMS_BRIDGES_PREFIX', type: 'string', restart: false, default: 'streams' },
  { path: 'bridges.redisMaxLen', env: 'STREAMS_BRIDGES_REDIS_MAX_LEN', type: 'integer', restart: false, default: 1000000, min: 100, max: 100000000 },
  { path: 'bridges.bufferMessages', env: 'STREAMS_BRIDGES_BUFFER_MESSAGES', type: 'integer', restart: false, default: 100000, min: 100, max: 1000000 },
  {
    path: 'log.level',
    env: 'STREAMS_LOG_LEVEL',
    type: 'enum',
    restart: false,
    default: 'info',
    options: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'],
  },
  {
    path: 'system.statsIntervalMs',
    env: 'STREAMS_SYSTEM_STATS_INTERVAL_MS',
    type: 'integer',
    restart: false,
    default: 2000,
    min: 500,
    max: 60000,
  },
  {
    path: 'ffmpeg.probeTimeoutMs',
    env: 'STREAMS_FFMPEG_PROBE_TIMEOUT_MS',
    type: 'integer',
    restart: false,
    default: 15000,
    min: 1000,
    max: 120000,
  },
  { path: 'obs.statsIntervalMs', env: 'STREAMS_OBS_STATS_INTERVAL_MS', type: 'integer', restart: false, default: 1000, min: 250, max: 10000 },
  { path: 'obs.managed', env: 'STREAMS_OBS_MANAGED', type: 'boolean', restart: true, default: false },
  { path: 'webrtc.portMin', env: 'STREAMS_WEBRTC_PORT_MIN', type: 'integer', restart: false, default: 0, min: 0, max: 65535 },
  { path: 'webrtc.portMax', env: 'STREAMS_WEBRTC_PORT_MAX', type: 'integer', restart: false, default: 0, min: 0, max: 65535 },
  { path: 'webrtc.bindAddress', env: 'STREAMS_WEBRTC_BIND_ADDRESS', type: 'string', restart: false, default: '' },
  { path: 'webrtc.publicAddress', env: 'STREAMS_WEBRTC_PUBLIC_ADDRESS', type: 'string', restart: false, default: '' },
  { path: 'webrtc.stunServer', env: 'STREAMS_WEBRTC_STUN_SERVER', type: 'string', restart: false, default: '' },
  { path: 'webrtc.turnServer', env: 'STREAMS_WEBRTC_TURN_SERVER', type: 'string', restart: false, default: '' },
  { path: 'webrtc.turnUsername', env: 'STREAMS_WEBRTC_TURN_USERNAME', type: 'string', restart: false, default: '' },
  { path: 'webrtc.turnCredential', env: 'STREAMS_WEBRTC_TURN_CREDENTIAL', type: 'string', restart: false, default: '' },
  { path: 'webrtc.silenceTimeoutSec', env: 'STREAMS_WEBRTC_SILENCE_TIMEOUT_SEC', type: 'integer', restart: false, default: 6, min: 3, max: 60 },
  { path: 'webrtc.twcc', env: 'STREAMS_WEBRTC_TWCC', type: 'boolean', restart: false, default: false },
  { path: 'webrtc.fanout', env: 'STREAMS_WEBRTC_FANOUT', type: 'enum', restart: false, default: 'auto', options: ['auto', 'js'] },
  { path: 'guests.max', env: 'STREAMS_GUESTS_MAX', type: 'integer', restart: false, default: 6, min: 1, max: 16 },
  { path: 'remote.bitrateKbps', env: 'STREAMS_REMOTE_BITRATE_KBPS', type: 'integer', restart: false, default: 4000, min: 300, max: 50000 },
  { path: 'remote.adaptive', env: 'STREAMS_REMOTE_ADAPTIVE', type: 'boolean', restart: false, default: true },
  { path: 'remote.audio', env: 'STREAMS_REMOTE_AUDIO', type: 'enum', restart: false, default: 'auto', options: ['auto', 'off'] },
  { path: 'remote.audioSource', env: 'STREAMS_REMOTE_AUDIO_SOURCE', type: 'string', restart: false, default: '' },
  { path: 'remote.clipboard', env: 'STREAMS_REMOTE_CLIPBOARD', type: 'boolean', restart: false, default: true },
  { path: 'remote.rdpBindAddress', env: 'STREAMS_REMOTE_RDP_BIND_ADDRESS', type: 'string', restart: false, default: '127.0.0.1' },
  { path: 'scaling.runners', env: 'STREAMS_SCALING_RUNNERS', type: 'boolean', restart: false, default: false },
  { path: 'scaling.runnersMin', env: 'STREAMS_SCALING_RUNNERS_MIN', type: 'integer', restart: false, default: 0, min: 0, max: 100 },
  { path: 'scaling.runnersMax', env: 'STREAMS_SCALING_RUNNERS_MAX', type: 'integer', restart: false, default: 4, min: 0, max: 100 },
  { path: 'scaling.queueWaitSeconds', env: 'STREAMS_SCALING_QUEUE_WAIT_SECONDS', type: 'integer', restart: false, default: 30, min: 1, max: 3600 },
  { path: 'scaling.idleSeconds', env: 'STREAMS_SCALING_IDLE_SECONDS', type: 'integer', restart: false, default: 300, min: 10, max: 86400 },
  { path: 'scaling.cooldownSeconds', env: 'STREAMS_SCALING_COOLDOWN_SECONDS', type: 'integer', restart: false, default: 120, min: 0, max: 3600 },
  { path: 'scaling.runnerSlots', env: 'STREAMS_SCALING_RUNNER_SLOTS', type: 'integer', restart: false, default: 0, min: 0, max: 16 },
  { path: 'scaling.sshHosts', env: 'STREAMS_SCALING_SSH_HOSTS', type: 'string', restart: false, default: '' },
  { path: 'scaling.sshKeyFile', env: 'STREAMS_SCALING_SSH_KEY_FILE', type: 'string', restart: false, default: '' },
  { path: 'scaling.providerCommand', env: 'STREAMS_SCALING_PROVIDER_COMMAND', type: 'string', restart: false, default: '' },
  { path: 'scaling.providerTimeoutSeconds', env: 'STREAMS_SCALING_PROVIDER_TIMEOUT_SECONDS', type: 'integer', restart: false, default: 300, min: 10, max: 3600 },
  { path: 'scaling.edges', env: 'STREAMS_SCALING_EDGES', type: 'boolean', restart: false, default: false },
  { path: 'scaling.edgesMin', env: 'STREAMS_SCALING_EDGES_MIN', type: 'integer', restart: false, default: 0, min: 0, max: 100 },
  { path: 'scaling.edgesMax', env: 'STREAMS_SCALING_EDGES_MAX', type: 'integer', restart: false, default: 4, min: 0, max: 100 },
  { path: 'scaling.edgeTargetMbps', env: 'STREAMS_SCALING_EDGE_TARGET_MBPS', type: 'integer', restart: false, default: 400, min: 1, max: 100000 },
  { path: 'scaling.edgeDrainSeconds', env: 'STREAMS_SCALING_EDGE_DRAIN_SECONDS', type: 'integer', restart: false, default: 300, min: 10, max: 3600 },
  { path: 'scaling.edgePort', env: 'STREAMS_SCALING_EDGE_PORT', type: 'integer', restart: false, default: 8081, min: 1, max: 65535 },
  { path: 'scaling.edgeRegion', env: 'STREAMS_SCALING_EDGE_REGION', type: 'string', restart: false, default: '' },
  { path: 'scaling.edgeCacheSize', env: 'STREAMS_SCALING_EDGE_CACHE_SIZE', type: 'string', restart: false, default: '1g' },
  { path: 'scaling.origin', env: 'STREAMS_SCALING_ORIGIN', type: 'string', restart: false, default: '' },
];

describe('envNameOf', () => {
  it.each([
    ['http.port', 'STREAMS_HTTP_PORT'],
    ['http.statsIntervalMs', 'STREAMS_HTTP_STATS_INTERVAL_MS'],
    ['system.statsIntervalMs', 'STREAMS_SYSTEM_STATS_INTERVAL_MS'],
    ['http.tlsCert', 'STREAMS_HTTP_TLS_CERT'],
    ['http.allowInsecureRemote', 'STREAMS_HTTP_ALLOW_INSECURE_REMOTE'],
    ['a.b2C', 'STREAMS_A_B2_C'],
    ['studio', 'STREAMS_STUDIO'],
  ])('%s -> %s', (path, env) => {
    expect(envNameOf(path)).toBe(env);
  });
});

describe('listConfigFields', () => {
  const fields = listConfigFields();

  it('lists every leaf in declaration order with its env name, type, bounds, options and default', () => {
    expect(fields.map(({ description: _d, ...rest }) => rest)).toEqual(EXPECTED);
  });

  it('derives every env name with envNameOf, and names are unique', () => {
    for (const f of fields) expect(f.env).toBe(envNameOf(f.path));
    expect(new Set(fields.map((f) => f.env)).size).toBe(fields.length);
    expect(new Set(fields.map((f) => f.path)).size).toBe(fields.length);
  });

  it('gives every field a description, and its default is the value in CONFIG_DEFAULTS', () => {
    for (const f of fields) {
      expect(f.description.length, f.path).toBeGreaterThan(10);
      expect(f.default, f.path).toEqual(getAtPath(CONFIG_DEFAULTS, f.path));
    }
  });

  it('covers every leaf of CONFIG_DEFAULTS and nothing else', () => {
    const leaves: string[] = [];
    const walk = (obj: Record<string, unknown>, prefix: string): void => {
      for (const [k, v] of Object.entries(obj)) {
        const p = prefix ? `${prefix}.${k}` : k;
        if (v !== null && typeof v === 'object') walk(v as Record<string, unknown>, p);
        else leaves.push(p);
      }
    };
    walk(CONFIG_DEFAULTS as unknown as Record<string, unknown>, '');
    expect(fields.map((f) => f.path)).toEqual(leaves);
  });

  it('returns fresh objects: mutating one result does not change the next', () => {
    const a = listConfigFields();
    a[0]!.description = 'changed';
    expect(listConfigFields()[0]!.description).not.toBe('changed');
  });

  it('states bounds that the schema really enforces', () => {
    for (const f of fields.filter((x) => x.min !== undefined)) {
      const at = (v: number): unknown => {
        const obj: Record<string, Record<string, unknown>> = {};
        const [section, key] = f.path.split('.') as [string, string];
        obj[section] = { [key]: v };
        return obj;
      };
      expect(configSchema.safeParse(at(f.min!)).success, f.path).toBe(true);
      expect(configSchema.safeParse(at(f.max!)).success, f.path).toBe(true);
      expect(configSchema.safeParse(at(f.min! - 1)).success, f.path).toBe(false);
      expect(configSchema.safeParse(at(f.max! + 1)).success, f.path).toBe(false);
      if (f.type === 'integer') expect(configSchema.safeParse(at(f.min! + 0.5)).success, f.path).toBe(false);
    }
  });
});

describe('CONFIG_DEFAULTS and configSchema', () => {
  it('are the documented defaults', () => {
    expect(CONFIG_DEFAULTS).toEqual({
      studio: { name: 'Streams Studio' },
      http: {
        port: 7070,
        bind: '127.0.0.1',
        tlsCert: '',
        tlsKey: '',
        allowInsecureRemote: false,
        sessionTtlHours: 168,
      },
      rtmp: { port: 1935, bind: '127.0.0.1', tlsPort: 0 },
      srt: { port: 8890, bind: '127.0.0.1' },
      live: { defaultLadder: 'standard', segmentSeconds: 2, windowSegments: 6, defaultLatency: 'low', partMs: 200, dvrMinutes: 60, dvrMaxMegabytes: 20480, keyRotationSegments: 30, cbcsKeyRotationSegments: 0, keyProviderUrl: '', keyProviderToken: '', keyProviderTimeoutMs: 3000 },
      recording: { dir: '', format: 'mp4', splitMinutes: 60, splitMegabytes: 0, retentionDays: 30, minFreeMegabytes: 2048 },
      library: { dir: '', maxUploadMegabytes: 20480, minFreeMegabytes: 1024, uploadExpiryHours: 24, concurrency: 0, stallSeconds: 120, maxAttempts: 3, runnerLeaseSeconds: 30, processOnOrigin: true, defaultPreset: 'balanced' },
      auth: { jwksUrl: '', jwtIssuer: '', jwtAudience: '', webhookUrl: '', webhookToken: '', webhookTimeoutMs: 2000, webhookFailure: 'deny', webhookCacheSeconds: 30, failedAuthDelayMs: 300, inviteTtlHours: 168 },
      limits: { apiPerMinute: 6000, loginPerMinute: 30, uploadPerMinute: 600, failedAuthPerMinute: 20, connectionsPerIp: 64, maxViewersPerStream: 0, allowedOrigins: '' },
      audit: { retentionDays: 90 },
      backup: { everyHours: 24, keep: 7, dir: '', media: false },
      tls: { selfSigned: false, names: '' },
      data: { historySize: 1000, maxMessageKilobytes: 64, subscriberQueue: 256, defaultPolicy: 'drop-oldest', heartbeatSeconds: 15, retentionDays: 90 },
      mqtt: { port: 1883, bind: '127.0.0.1', maxPacketKilobytes: 256 },
      bridges: { natsUrl: '', natsToken: '', redisUrl: '', redisPassword: '', prefix: 'streams', redisMaxLen: 1000000, bufferMessages: 100000 },
      log: { level: 'info' },
      system: { statsIntervalMs: 2000 },
      ffmpeg: { probeTimeoutMs: 15000 },
      obs: { statsIntervalMs: 1000, managed: false },
      webrtc: {
        portMin: 0, portMax: 0, bindAddress: '', publicAddress: '', stunServer: '', turnServer: '', turnUsername: '', turnCredential: '',
        silenceTimeoutSec: 6, twcc: false, fanout: 'auto',
      },
      guests: { max: 6 },
      remote: { bitrateKbps: 4000, adaptive: true, audio: 'auto', audioSource: '', clipboard: true, rdpBindAddress: '127.0.0.1' },
      scaling: {
        runners: false, runnersMin: 0, runnersMax: 4, queueWaitSeconds: 30, idleSeconds: 300, cooldownSeconds: 120, runnerSlots: 0,
        sshHosts: '', sshKeyFile: '', providerCommand: '', providerTimeoutSeconds: 300,
        edges: false, edgesMin: 0, edgesMax: 4, edgeTargetMbps: 400, edgeDrainSeconds: 300, edgePort: 8081, edgeRegion: '', edgeCacheSize: '1g', origin: '',
      },
    });
  });

  it('fills missing sections and keys with defaults, and parses its own defaults unchanged', () => {
    expect(configSchema.parse({ http: { port: 8080 } })).toEqual({ ...CONFIG_DEFAULTS, http: { ...CONFIG_DEFAULTS.http, port: 8080 } });
    expect(configSchema.parse(CONFIG_DEFAULTS)).toEqual(CONFIG_DEFAULTS);
  });

  it('refuses unknown keys at every level, wrong types and empty names', () => {
    expect(configSchema.safeParse({ bogus: {} }).success).toBe(false);
    expect(configSchema.safeParse({ http: { bogus: 1 } }).success).toBe(false);
    expect(configSchema.safeParse({ http: { port: '7070' } }).success).toBe(false);
    expect(configSchema.safeParse({ log: { level: 'loud' } }).success).toBe(false);
    expect(configSchema.safeParse({ studio: { name: '   ' } }).success).toBe(false);
    expect(configSchema.safeParse({ studio: { name: 'x'.repeat(65) } }).success).toBe(false);
    expect(configSchema.parse({ studio: { name: '  Mine  ' } }).studio.name).toBe('Mine');
  });

  it('getAtPath reads dotted paths and is undefined past a leaf', () => {
    expect(getAtPath(CONFIG_DEFAULTS, 'http.port')).toBe(7070);
    expect(getAtPath(CONFIG_DEFAULTS, 'http')).toBe(CONFIG_DEFAULTS.http);
    expect(getAtPath(CONFIG_DEFAULTS, 'http.port.x')).toBeUndefined();
    expect(getAtPath(CONFIG_DEFAULTS, 'nope.x')).toBeUndefined();
    expect(getAtPath(null, 'a')).toBeUndefined();
  });
});

describe('the shipped resources/config.default.yaml', () => {
  const doc = YAML.parseDocument(shippedYaml);
  const lines = shippedYaml.split('\n');

  /** The comment lines directly above `key:` inside `section:`. */
  function commentAbove(fieldPath: string): string {
    const [section, key] = fieldPath.split('.') as [string, string];
    const start = lines.findIndex((l) => l === `${section}:`);
    expect(start, `section ${section}`).toBeGreaterThanOrEqual(0);
    let at = start + 1;
    while (at < lines.length && !new RegExp(`^\\s+${key}:`).test(lines[at]!)) {
      expect(lines[at], `key ${fieldPath} inside its section`).toMatch(/^(\s|$)/);
      at++;
    }
    expect(at, `key ${fieldPath}`).toBeLessThan(lines.length);
    const block: string[] = [];
    for (let i = at - 1; i > start && /^\s*#/.test(lines[i]!); i--) block.unshift(lines[i]!);
    return block.join('\n');
  }

  it('parses without errors or warnings', () => {
    expect(doc.errors).toEqual([]);
    expect(doc.warnings).toEqual([]);
  });

  it('holds exactly CONFIG_DEFAULTS, and is valid as it is', () => {
    expect(doc.toJS()).toStrictEqual(CONFIG_DEFAULTS);
    expect(configSchema.parse(doc.toJS())).toStrictEqual(CONFIG_DEFAULTS);
  });

  it.each(listConfigFields().map((f) => [f.path, f] as const))(
    'documents %s right above the key: its env var, (restart), bounds and options',
    (_path, field) => {
      const comment = commentAbove(field.path);
      expect(comment.length, field.path).toBeGreaterThan(0);
      expect(comment).toMatch(new RegExp(`\\b${field.env}\\b`));
      expect(comment.includes('(restart)'), `${field.path} (restart) marker`).toBe(field.restart);
      const range = /\((\d+) to (\d+)\)/.exec(comment);
      if (range && field.min !== undefined) expect([Number(range[1]), Number(range[2])]).toEqual([field.min, field.max]);
      for (const option of field.options ?? []) expect(comment).toMatch(new RegExp(`\\b${option}\\b`));
    },
  );

  it('mentions each env name once per key and no env name that is not a key', () => {
    const mentioned = new Set(shippedYaml.match(/\bSTREAMS_[A-Z0-9_]+/g) ?? []);
    const known = new Set(listConfigFields().map((f) => f.env));
    // The header mentions STREAMS_HOME (not a key) and the examples; everything else must be a key.
    for (const name of mentioned) if (name !== 'STREAMS_HOME') expect(known, name).toContain(name);
    for (const name of known) expect(mentioned).toContain(name);
  });
});
