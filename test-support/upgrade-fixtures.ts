import crypto from 'node:crypto';
import { PodcastStore, type EpisodeDoc, type ShowDoc } from '../src-main/store/podcasts.js';
import { FunctionStore, type StoredFunction } from '../src-main/store/cdn-functions.js';
import { encode } from '@msgpack/msgpack';
import { expect } from 'vitest';
import { studioStateSchema, type StudioState } from '../src-shared/contract/scenes.js';
import { verifyPassword } from '../src-main/auth/passwords.js';
import { silentLogger } from '../src-main/core/logger.js';
import { ChatStore, hashToken } from '../src-main/data/chat/chat-store.js';
import { BridgeService } from '../src-main/data/bridges/service.js';
import { ProcessorService } from '../src-main/data/processors/service.js';
import { ChannelSchemas } from '../src-main/data/schemas.js';
import { WindowService } from '../src-main/data/windows/service.js';
import { ObsConnectionStore } from '../src-main/obs/connection-store.js';
import { RecordingStore } from '../src-main/recorder/recording-store.js';
import { DestinationStore } from '../src-main/restream/destination-store.js';
import { SecretBox, keyHintOf } from '../src-main/restream/secret-box.js';
import { ApiTokenStore } from '../src-main/store/api-tokens.js';
import { AuditStore } from '../src-main/store/audit.js';
import { DataMessageStore } from '../src-main/store/data-messages.js';
import type { Db } from '../src-main/store/db.js';
import { EdgeStore } from '../src-main/store/edges.js';
import { GuestTakeStore } from '../src-main/store/guest-takes.js';
import { GuestStore } from '../src-main/store/guests.js';
import { JobStore } from '../src-main/store/jobs.js';
import { JwtKeyStore } from '../src-main/store/jwt-keys.js';
import { SqliteProbeCache } from '../src-main/store/probe-cache.js';
import { SceneStore } from '../src-main/store/scenes.js';
import { SessionStore } from '../src-main/store/sessions.js';
import { StreamStore } from '../src-main/store/streams.js';
import { UploadStore } from '../src-main/store/uploads.js';
import { UserStore } from '../src-main/store/users.js';
import { VideoStore } from '../src-main/store/videos.js';

// One fixture per table: its rows as the migration that created the table left its columns (one
// INSERT serves every later version), values for the columns later migrations added, and a check
// that reads them back through today's store. Hashes and sealed keys are written in the formats of
// their time, frozen here, so a change of format that would lock old homes out fails these checks.

/** What is costly or random to make, made once per run. */
export interface FixtureSecrets {
  /** `PASSWORD` through the product's argon2id hasher. */
  passwordHash: string;
}

export interface ColumnValues {
  /** The migration that added these columns. */
  version: number;
  where: Record<string, unknown>;
  values: Record<string, unknown>;
}

export interface TableFixture {
  table: string;
  /** The migration that created the table. */
  since: number;
  /** For a table no migration makes: creates it as its store does at every start. */
  create?: (db: Db) => void;
  rows: (s: FixtureSecrets) => Record<string, unknown>[];
  later?: ColumnValues[];
  /** `builtAt`: the schema version the home was made at (the columns added after it hold their defaults). */
  check: (db: Db, builtAt: number, s: FixtureSecrets) => void | Promise<void>;
}

const T0 = Date.UTC(2024, 0, 15, 18, 0, 0);
const FAR = Date.UTC(2100, 0, 1);
const sha256hex = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');
const sha256b64 = (text: string): string => crypto.createHash('sha256').update(text).digest('base64url');
const json = JSON.stringify;
/** The value from version `added` on, the column's default in a home made before it. */
const addedIn = <T>(builtAt: number, added: number, value: T, fallback: T): T => (builtAt >= added ? value : fallback);
const never = (): string => {
  throw new Error('the fixture secret is missing: the store would make a new one');
};

const PODCAST_SHOW: ShowDoc = {
  id: 'show_000000000001',
  slug: 'night-shift',
  title: 'Night Shift',
  description: 'Late conversations',
  author: 'Ada',
  ownerName: 'Ada',
  ownerEmail: 'ada@example.com',
  category: 'Technology',
  language: 'en',
  explicit: false,
  private: false,
  locked: true,
  link: null,
  liveStream: 'show',
  prefixUrl: null,
  copyright: '',
  artwork: 'a1b2c3d4',
  guid: '917393e3-1b1e-5cef-ace4-edaa54e1f810',
  createdAt: T0,
  updatedAt: T0,
};
const PODCAST_EPISODE: EpisodeDoc = {
  id: 'ep_000000000001',
  showId: 'show_000000000001',
  title: 'Episode 1',
  description: '',
  season: 1,
  episode: 1,
  episodeType: 'full',
  explicit: null,
  status: 'published',
  publishAt: null,
  publishedAt: T0,
  videoId: null,
  uploadId: 'upload-1',
  guid: '1c0ad0a4-3c38-4f4e-9d0d-2f9b2f1f0001',
  state: 'ready',
  error: null,
  audio: { generation: 'deadbeef', durationSec: 240, m4aBytes: 3_900_000, mp3Bytes: 4_000_000, chapters: [{ startSec: 0, title: 'Intro' }], loudness: { targetLufs: -16, measuredLufs: -21.4 }, transcripts: ['en'], artwork: true },
  createdAt: T0,
  updatedAt: T0,
};

const EDGE_FUNCTION: StoredFunction = {
  name: 'cors',
  enabled: true,
  version: 2,
  rollback: { errorRate: 0.1, minErrors: 5 },
  canary: { version: 3, percent: 34, edges: ['edge-1'] },
  versions: [
    { version: 1, route: '/live/**', phase: 'response', code: 'function handle() {}', createdAt: T0, state: 'rolled-back', rolledBack: { at: T0 + 5, reason: '6 of 10 calls threw', automatic: true } },
    { version: 2, route: '/live/**', phase: 'response', code: 'function handle() { return { headers: { a: "1" } }; }', createdAt: T0 + 10, state: 'stable', rolledBack: null },
    { version: 3, route: '/vod/**', phase: 'response', code: 'function handle() {}', createdAt: T0 + 20, state: 'canary', rolledBack: null },
  ],
  createdAt: T0,
  updatedAt: T0 + 20,
};

export const PASSWORD = 'correct horse battery staple';
const SESSION_TOKEN = 'sess-cookie-of-the-fixture-home-0001';
const STREAM_KEY = 'sk_fixtureStreamKeyOfTheShow00000001';
const DESTINATION_SECRET = sha256b64('upgrade fixtures: destination-key');
const OBS_SECRET = sha256b64('upgrade fixtures: obs-password-key');
const SIGNING_SECRET = sha256b64('upgrade fixtures: playback-signing-key');
const FROZEN_KEY = 'live_0123456789_abcdefghijklmnop';
/** FROZEN_KEY as SecretBox v1 sealed it for the row dst_frozen: an old seal must still open. */
const FROZEN_SEAL = 'v1.rk6jy764_3dhNG0G.Oy0W_B1d853QMrNHo5JVvQ.WKXURr42hm0j20snbcdgEFG08ivpCUnqvauvyAzmKlE';
const FRESH_KEY = 'live_sealed_when_the_home_was_made';
const OBS_PASSWORD = 'obs-websocket-password';
/** OBS_PASSWORD as SecretBox v1 sealed it for the row obs_frozen. */
const OBS_SEAL = 'v1.NE34Ml-0sApa-gHU.0oHZlQCJ5FSuczoaJwba6g.CF68mQ9N4jS5tp8GyM973HdWPrg2Sg';
const VIEWER_TOKEN = 'chat-viewer-token-of-robin';
const INVITE_TOKEN = 'invitation-link-token-for-sam';
const API_TOKEN = 'st_fixtureTok01_Zm9yIHRoZSB1cGdyYWRlIGZpeHR1cmVz';
const JWT_SECRET = sha256b64('upgrade fixtures: jwt key');

const ROOM = 'stream:show';
const VIDEO = 'vid_fixture00001';
const GUEST = 'gst_fixtureguest';
const CHAT_SETTINGS = { anonymous: true, slowModeSec: 5, perMinute: 20, links: false, blockedWords: ['spoiler'], maxLength: 300 };
const BRIDGES = [
  { id: 'to-nats', engine: 'nats', direction: 'out', channel: '*' },
  { id: 'from-redis', engine: 'redis', direction: 'in', channel: 'events', source: 'app:events', fromSeq: 0 },
];
const PROCESSORS = [
  { id: 'hot', input: 'sensors', steps: [{ op: 'filter', all: [{ field: 'temp', op: 'gt', value: 30 }] }, { op: 'map', fields: { t: 'temp' } }], output: 'alerts' },
  { id: 'paid', input: { join: { left: 'orders', right: 'payments', leftKey: 'id', rightKey: 'order', withinMs: 60000 } }, steps: [], output: 'paid' },
];
const SCHEMAS = [{ channel: 'readings', proto: 'syntax = "proto3"; message Reading { string room = 1; double temp = 2; }', message: 'Reading' }];
const WINDOWS = [{ id: 'cheers', label: 'Cheers per minute', channel: 'reactions', kind: 'tumbling', sizeSec: 60, groupBy: 'emoji' }];
const PROBE = {
  found: true, path: 'ffmpeg', source: 'path', version: '6.1.1', ffprobePath: 'ffprobe', probedAt: T0, cached: false,
  encoders: [{ name: 'libx264', codec: 'h264', vendor: 'software', hardware: false, compiledIn: true, usable: true, probeMs: 41 }],
  features: { hls: true, dash: true, srt: false }, missing: ['SRT output'],
};
const SHOW: StudioState = {
  revision: 7,
  studio: {
    width: 1280, height: 720, fps: 30, videoBitrateKbps: 4500, audioBitrateKbps: 160, stream: 'show',
    transition: { kind: 'fade', durationMs: 300, stinger: null }, studioMode: true,
    previewSceneId: 'scn_fixturetwo', programSceneId: 'scn_fixtureone', live: false,
  },
  sources: [
    {
      id: 'src_fixturecam', name: 'Camera', createdAt: T0, updatedAt: T0,
      settings: { kind: 'camera', deviceId: null, label: 'USB camera', width: 1280, height: 720, frameRate: 30 },
      audio: {
        gainDb: -3, muted: false, monitor: false, syncOffsetMs: 40, noiseSuppression: true,
        gate: { enabled: false, thresholdDb: -45, holdMs: 200 }, compressor: { enabled: true, thresholdDb: -18, ratio: 4, attackMs: 5, releaseMs: 100 },
        eq: { lowDb: 0, midDb: 1, highDb: 0 },
      },
    },
  ],
  scenes: [
    {
      id: 'scn_fixtureone', name: 'Camera', layout: 'full', createdAt: T0, updatedAt: T0,
      items: [{
        id: 'itm_fixtureit1', sourceId: 'src_fixturecam', visible: true, locked: false, x: 0, y: 0, width: 1280, height: 720,
        rotationDeg: 0, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null,
      }],
    },
    { id: 'scn_fixturetwo', name: 'Be right back', layout: 'free', items: [], createdAt: T0, updatedAt: T0 },
  ],
};

export const TABLE_FIXTURES: readonly TableFixture[] = [
  {
    table: 'sessions',
    since: 1,
    rows: () => [{ id: 'ses_fixture', token_hash: sha256hex(SESSION_TOKEN), created_at: T0, expires_at: FAR, last_seen_at: T0, user_agent: 'Firefox/121.0', ip: '192.0.2.10' }],
    later: [{ version: 9, where: { id: 'ses_fixture' }, values: { user_id: 'usr_owner' } }],
    check: (db, builtAt) => {
      expect(new SessionStore(db).verify(SESSION_TOKEN)).toMatchObject({
        id: 'ses_fixture', createdAt: T0, expiresAt: FAR, userAgent: 'Firefox/121.0', ip: '192.0.2.10', userId: addedIn(builtAt, 9, 'usr_owner', null),
      });
    },
  },
  {
    table: 'ffmpeg_probe',
    since: 1,
    rows: () => [{ key: 'ffmpeg|80514216|1705330000000', info: json(PROBE), probed_at: T0 }],
    check: (db) => expect(new SqliteProbeCache(db).get('ffmpeg|80514216|1705330000000')).toEqual(PROBE),
  },
  {
    table: 'streams',
    since: 2,
    rows: () => [
      { name: 'show', key_hash: sha256hex(STREAM_KEY), ladder: 'standard', private: 1, created_at: T0, state: 'idle', state_at: T0 + 5000, state_reason: null },
      { name: 'backstage', key_hash: sha256hex('sk_backstage'), ladder: 'passthrough', created_at: T0 + 1, state: 'ended', state_at: T0 + 9000, state_reason: 'publisher left' },
    ],
    later: [
      { version: 3, where: { name: 'show' }, values: { record: 1 } },
      { version: 5, where: { name: 'show' }, values: { latency: 'low', dvr_minutes: 30 } },
      { version: 9, where: { name: 'show' }, values: { publish_auth: 'jwt', play_auth: 'jwt', max_viewers: 50 } },
      { version: 13, where: { name: 'show' }, values: { encryption: 'aes-128' } },
      { version: 16, where: { name: 'show' }, values: { key_provider_url: 'https://keys.example/cpix' } },
      { version: 17, where: { name: 'show' }, values: { key_provider_token_enc: 'v1.sealed', key_provider_token_hint: '…cpix' } },
      { version: 23, where: { name: 'show' }, values: { p2p: '{"mode":"on","maxPeers":3,"maxUploadKbps":2000}' } },
      { version: 24, where: { name: 'show' }, values: { encode_on: 'runner' } },
    ],
    check: (db, v) => {
      const streams = new StreamStore(db);
      expect(streams.list()).toEqual([
        {
          name: 'show', ladder: 'standard', private: true, createdAt: T0, state: 'idle', stateAt: T0 + 5000, stateReason: null,
          record: addedIn(v, 3, true, false), latency: addedIn(v, 5, 'low', 'standard'), dvrMinutes: addedIn(v, 5, 30, 0),
          publishAuth: addedIn(v, 9, 'jwt', 'key'), playAuth: addedIn(v, 9, 'jwt', 'default'), maxViewers: addedIn(v, 9, 50, 0),
          encryption: addedIn(v, 13, 'aes-128', 'none'), keyProviderUrl: addedIn(v, 16, 'https://keys.example/cpix', ''),
          keyProviderTokenEnc: addedIn(v, 17, 'v1.sealed', null), keyProviderTokenHint: addedIn(v, 17, '…cpix', null),
          p2p: addedIn(v, 23, { mode: 'on', maxPeers: 3, maxUploadKbps: 2000 }, { mode: 'auto', maxPeers: 5, maxUploadKbps: 0 }),
          encodeOn: addedIn(v, 24, 'runner', 'origin'),
        },
        {
          name: 'backstage', ladder: 'passthrough', private: false, createdAt: T0 + 1, state: 'ended', stateAt: T0 + 9000, stateReason: 'publisher left',
          record: false, latency: 'standard', dvrMinutes: 0, publishAuth: 'key', playAuth: 'default', maxViewers: 0, encryption: 'none', keyProviderUrl: '',
          keyProviderTokenEnc: null, keyProviderTokenHint: null, p2p: { mode: 'auto', maxPeers: 5, maxUploadKbps: 0 }, encodeOn: 'origin',
        },
      ]);
      expect(streams.byKey(STREAM_KEY)?.name).toBe('show');
    },
  },
  {
    table: 'secrets',
    since: 2,
    rows: () => [
      { name: 'destination-key', value: DESTINATION_SECRET, created_at: T0 },
      { name: 'obs-password-key', value: OBS_SECRET, created_at: T0 },
      { name: 'playback-signing-key', value: SIGNING_SECRET, created_at: T0 },
    ],
    check: (db) => {
      const streams = new StreamStore(db);
      expect(['destination-key', 'obs-password-key', 'playback-signing-key'].map((n) => streams.secret(n, never))).toEqual([DESTINATION_SECRET, OBS_SECRET, SIGNING_SECRET]);
    },
  },
  {
    table: 'destinations',
    since: 3,
    rows: () => [
      { id: 'dst_frozen', stream: 'show', kind: 'youtube', label: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', key_enc: FROZEN_SEAL, key_hint: '…mnop', auto_start: 1, rendition: null, created_at: T0 },
      {
        id: 'dst_fresh', stream: 'show', kind: 'twitch', label: 'Twitch', url: 'rtmps://live.twitch.tv/app',
        key_enc: new SecretBox(() => DESTINATION_SECRET).seal(FRESH_KEY, 'dst_fresh'), key_hint: keyHintOf(FRESH_KEY), auto_start: 0, rendition: '720p', created_at: T0 + 1,
      },
    ],
    check: (db) => {
      const rows = new DestinationStore(db).list('show');
      expect(rows.map(({ keyEnc: _, ...r }) => r)).toEqual([
        { id: 'dst_frozen', stream: 'show', kind: 'youtube', label: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', keyHint: '…mnop', autoStart: true, rendition: null, createdAt: T0 },
        { id: 'dst_fresh', stream: 'show', kind: 'twitch', label: 'Twitch', url: 'rtmps://live.twitch.tv/app', keyHint: keyHintOf(FRESH_KEY), autoStart: false, rendition: '720p', createdAt: T0 + 1 },
      ]);
      // Opened as the restream service does: the box keyed by the database's own secret, the row id as context.
      const secrets = new StreamStore(db);
      const box = new SecretBox(() => secrets.secret('destination-key', never));
      expect(rows.map((r) => box.open(r.keyEnc!, r.id))).toEqual([FROZEN_KEY, FRESH_KEY]);
    },
  },
  {
    table: 'recordings',
    since: 3,
    rows: () => [{
      id: 'rec_fixture', stream: 'show', file: 'show-2024-01-15T18-00-00.mp4', container: 'mp4', state: 'complete', started_at: T0, ended_at: T0 + 3_600_500,
      duration_sec: 3600.5, size_bytes: 1_234_567_890, video: json({ codec: 'h264', width: 1280, height: 720 }), audio: json({ codec: 'aac', sampleRate: 48000, channels: 2 }),
      error: null, thumbnail: 'rec_fixture.jpg', vod: json({ state: 'ready', progress: 1, ladder: 'standard', hls: 'index.m3u8', dash: null, error: null }),
    }],
    later: [
      { version: 8, where: { id: 'rec_fixture' }, values: { start_pdt: T0 + 1234 } },
      { version: 14, where: { id: 'rec_fixture' }, values: { encrypted: 1 } },
    ],
    check: (db, v) => {
      expect(new RecordingStore(db).get('rec_fixture')).toEqual({
        id: 'rec_fixture', stream: 'show', file: 'show-2024-01-15T18-00-00.mp4', container: 'mp4', state: 'complete', startedAt: T0, endedAt: T0 + 3_600_500,
        durationSec: 3600.5, sizeBytes: 1_234_567_890, video: { codec: 'h264', width: 1280, height: 720 }, audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
        error: null, thumbnail: 'rec_fixture.jpg', vod: { state: 'ready', progress: 1, ladder: 'standard', hls: 'index.m3u8', dash: null, error: null },
        ...(v >= 8 ? { startPdt: T0 + 1234 } : {}),
        // Its stream is encrypted from version 13 on: migration 14 marks the recording so.
        ...(v >= 13 ? { encrypted: true } : {}),
      });
    },
  },
  {
    table: 'edges',
    since: 4,
    rows: () => [{ id: 'edge-1', url: 'https://edge-1.example.net', region: 'eu', version: '0.1.0', registered_at: T0, last_seen_at: T0 + 60_000, last_seq: 2 }],
    later: [{ version: 6, where: { id: 'edge-1' }, values: { drained: 1 } }],
    check: (db, v) => {
      expect(new EdgeStore(db).list()).toEqual([
        { id: 'edge-1', url: 'https://edge-1.example.net', region: 'eu', version: '0.1.0', registeredAt: T0, lastSeenAt: T0 + 60_000, lastSeq: 2, drained: addedIn(v, 6, true, false) },
      ]);
    },
  },
  {
    table: 'cdn_purges',
    since: 4,
    rows: () => [
      { id: 'prg_1', request: json({ prefix: '/live/show/' }), created_at: T0 },
      { id: 'prg_2', request: json({ urls: ['/vod/rec_fixture/index.m3u8'] }), created_at: T0 + 1 },
    ],
    check: (db) => {
      const edges = new EdgeStore(db);
      expect(edges.purgesAfter(0)).toEqual([
        { seq: 1, id: 'prg_1', request: { prefix: '/live/show/' } },
        { seq: 2, id: 'prg_2', request: { urls: ['/vod/rec_fixture/index.m3u8'] } },
      ]);
      expect(edges.lastSeq()).toBe(2);
    },
  },
  {
    table: 'uploads',
    since: 7,
    rows: () => [{ id: 'upl_fixture', owner: 'token', size: 1_048_576, file_name: 'rehearsal.mp4', title: 'Rehearsal', created_at: T0, finished_at: T0 + 30_000 }],
    check: (db) => {
      expect(new UploadStore(db).get('upl_fixture')).toEqual({ id: 'upl_fixture', owner: 'token', size: 1_048_576, fileName: 'rehearsal.mp4', title: 'Rehearsal', createdAt: T0, finishedAt: T0 + 30_000 });
    },
  },
  {
    table: 'videos',
    since: 7,
    rows: () => [{
      id: VIDEO, owner: 'token', title: 'Rehearsal', description: 'The run-through', visibility: 'unlisted', tags: json(['rehearsal']), source: 'upload',
      upload_id: 'upl_fixture', recording_id: null, file_name: 'rehearsal.mp4', state: 'ready', preset: 'balanced', normalize_loudness: 1, error: null,
      media: json({ durationSec: 754.2, width: 1920, height: 1080, sizeBytes: 1_048_576 }), outputs: json({ thumbnails: ['t1.jpg'] }),
      subtitles: json([{ id: 'sub_en', language: 'en', label: 'English' }]), chapters: json([{ startSec: 0, title: 'Intro' }]), views: 42,
      created_at: T0, updated_at: T0 + 60_000, ready_at: T0 + 60_000,
    }],
    later: [{ version: 15, where: { id: VIDEO }, values: { encryption: 'aes-128' } }],
    check: (db, v) => {
      expect(new VideoStore(db).get(VIDEO)).toEqual({
        id: VIDEO, owner: 'token', title: 'Rehearsal', description: 'The run-through', visibility: 'unlisted',
        // Clear until version 15, which added encryption: the fixture's row is encrypted from there on.
        encryption: v >= 15 ? 'aes-128' : 'none', tags: ['rehearsal'], source: 'upload',
        uploadId: 'upl_fixture', recordingId: null, fileName: 'rehearsal.mp4', state: 'ready', preset: 'balanced', normalizeLoudness: true, error: null,
        media: { durationSec: 754.2, width: 1920, height: 1080, sizeBytes: 1_048_576 }, outputs: { thumbnails: ['t1.jpg'] },
        subtitles: [{ id: 'sub_en', language: 'en', label: 'English' }], chapters: [{ startSec: 0, title: 'Intro' }], views: 42,
        createdAt: T0, updatedAt: T0 + 60_000, readyAt: T0 + 60_000,
      });
    },
  },
  {
    table: 'jobs',
    since: 7,
    rows: () => [
      {
        id: 'job_done', kind: 'process', subject: VIDEO, payload: json({ durationSec: 754.2 }), state: 'done', priority: 0, progress: 1, step: null, attempts: 1,
        max_attempts: 3, error: null, estimate_sec: 210.5, created_at: T0, started_at: T0 + 1000, finished_at: T0 + 211_500, checkpoint: json({ segment: 12 }),
      },
      {
        id: 'job_queued', kind: 'process', subject: 'vid_fixture00002', payload: '{}', state: 'queued', priority: 5, progress: 0, step: null, attempts: 1,
        max_attempts: 3, error: json({ code: 'FFMPEG_FAILED', message: 'exit 1' }), estimate_sec: null, created_at: T0 + 1, started_at: null, finished_at: null, checkpoint: null,
      },
    ],
    check: (db) => {
      const jobs = new JobStore(db);
      expect(jobs.get('job_done')).toEqual({
        id: 'job_done', kind: 'process', subject: VIDEO, payload: { durationSec: 754.2 }, state: 'done', priority: 0, progress: 1, step: null, attempts: 1,
        maxAttempts: 3, error: null, estimateSec: 210.5, createdAt: T0, startedAt: T0 + 1000, finishedAt: T0 + 211_500,
      });
      expect(jobs.active().map((j) => [j.id, j.error])).toEqual([['job_queued', { code: 'FFMPEG_FAILED', message: 'exit 1' }]]);
    },
  },
  {
    table: 'data_messages',
    since: 8,
    rows: () => {
      const source = json({ kind: 'api', transport: 'http', remoteAddress: '192.0.2.20' });
      const common = { stream: 'show', channel: 'votes', source };
      return [
        { ...common, seq: 1, at: T0 + 1500, media_time: 1500.5, pdt: T0 + 1400, content_type: 'application/json', body: Buffer.from(json({ option: 'a' })) },
        { ...common, seq: 2, at: T0 + 1600, media_time: null, pdt: null, content_type: 'application/msgpack', body: Buffer.from(encode({ option: 'b', weight: 2 })) },
      ];
    },
    check: (db) => {
      const source = { kind: 'api', transport: 'http', remoteAddress: '192.0.2.20' };
      expect(new DataMessageStore(db).list('show', 'votes', { limit: 10 })).toEqual([
        { id: 'votes:1', stream: 'show', channel: 'votes', seq: 1, at: T0 + 1500, mediaTime: 1500.5, programDateTime: T0 + 1400, contentType: 'application/json', data: { option: 'a' }, source },
        { id: 'votes:2', stream: 'show', channel: 'votes', seq: 2, at: T0 + 1600, mediaTime: null, programDateTime: null, contentType: 'application/msgpack', data: { option: 'b', weight: 2 }, source },
      ]);
    },
  },
  {
    table: 'chat_viewers',
    since: 8,
    rows: () => [{ id: 'cv_robin', room: ROOM, token_hash: sha256b64(VIEWER_TOKEN), display_name: 'Robin', signed_in: 0, ip: '192.0.2.30', created_at: T0 }],
    check: (db) => expect(new ChatStore(db).viewerByToken(ROOM, hashToken(VIEWER_TOKEN))).toEqual({ id: 'cv_robin', room: ROOM, displayName: 'Robin', signedIn: false }),
  },
  {
    table: 'chat_messages',
    since: 8,
    rows: () => {
      const common = { room: ROOM, viewer_id: 'cv_robin', display_name: 'Robin', signed_in: 0, ip: '192.0.2.30', media_time: 2000, pdt: T0 + 2000 };
      return [
        { ...common, id: 'chm_1', seq: 1, text: 'Hello from the front row', at: T0 + 2000, deleted_at: null, deleted_by: null },
        { ...common, id: 'chm_2', seq: 2, text: 'spoiler!', at: T0 + 2500, deleted_at: T0 + 2600, deleted_by: 'studio' },
      ];
    },
    check: (db) => {
      const common = { room: ROOM, viewerId: 'cv_robin', displayName: 'Robin', signedIn: false, mediaTime: 2000, programDateTime: T0 + 2000 };
      expect(new ChatStore(db).all(ROOM)).toEqual([
        { ...common, id: 'chm_1', seq: 1, text: 'Hello from the front row', at: T0 + 2000, deleted: false },
        { ...common, id: 'chm_2', seq: 2, text: 'spoiler!', at: T0 + 2500, deleted: true },
      ]);
    },
  },
  {
    table: 'data_bridges',
    since: 18,
    rows: () => [{ stream: 'show', bridges: json(BRIDGES) }],
    check: (db) => {
      const config = { natsUrl: '', natsToken: '', redisUrl: '', redisPassword: '', prefix: 'streams', redisMaxLen: 1000, bufferMessages: 100 };
      const bridges = new BridgeService({ db, bus: { on: () => () => undefined }, hub: { publish: () => { throw new Error('not published to') }, onMessage: () => () => undefined }, config: () => config, logger: silentLogger() });
      bridges.start();
      expect(bridges.definitions('show')).toEqual(BRIDGES);
      expect(bridges.status('show').map((s) => s.state)).toEqual(['off', 'off']);
      void bridges.dispose();
    },
  },
  {
    table: 'data_processors',
    since: 19,
    rows: () => [{ stream: 'show', processors: json(PROCESSORS) }],
    check: (db) => {
      const processors = new ProcessorService({ db, bus: { on: () => () => undefined }, hub: { publish: () => { throw new Error('not published to') }, onMessage: () => () => undefined }, logger: silentLogger() });
      processors.start();
      expect(processors.definitions('show')).toEqual(PROCESSORS);
      processors.dispose();
    },
  },
  {
    table: 'data_schemas',
    since: 20,
    rows: () => [{ stream: 'show', schemas: json(SCHEMAS) }],
    check: (db) => {
      const schemas = new ChannelSchemas({ db, bus: { on: () => () => undefined }, logger: silentLogger() });
      schemas.start();
      expect(schemas.definitions('show')).toEqual(SCHEMAS);
      expect(() => schemas.check('show', 'readings', { temp: 'hot' })).toThrow(/temp: number expected/);
      schemas.dispose();
    },
  },
  {
    table: 'podcast_shows',
    since: 21,
    rows: () => [{ id: PODCAST_SHOW.id, slug: PODCAST_SHOW.slug, doc: json(PODCAST_SHOW), created_at: PODCAST_SHOW.createdAt }],
    check: (db) => {
      expect(new PodcastStore(db).showBySlug('night-shift')).toEqual(PODCAST_SHOW);
    },
  },
  {
    table: 'podcast_episodes',
    since: 21,
    rows: () => [{ id: PODCAST_EPISODE.id, show_id: PODCAST_SHOW.id, doc: json(PODCAST_EPISODE), created_at: PODCAST_EPISODE.createdAt }],
    check: (db) => expect(new PodcastStore(db).episodes(PODCAST_SHOW.id)).toEqual([PODCAST_EPISODE]),
  },
  {
    table: 'podcast_subscribers',
    since: 21,
    rows: () => [{ id: 'sub_000000000001', show_id: PODCAST_SHOW.id, name: 'Grace', token: 'fixtureSubscriberToken0000000001', created_at: T0, last_fetch_at: T0 + 60_000 }],
    check: (db) =>
      expect(new PodcastStore(db).subscriberByToken('fixtureSubscriberToken0000000001')).toEqual({ id: 'sub_000000000001', showId: PODCAST_SHOW.id, name: 'Grace', token: 'fixtureSubscriberToken0000000001', createdAt: T0, lastFetchAt: T0 + 60_000 }),
  },
  {
    table: 'podcast_requests',
    since: 21,
    rows: () => [
      { show_id: PODCAST_SHOW.id, episode_id: PODCAST_EPISODE.id, at: T0, ip: '192.0.2.7', user_agent: 'Overcast/3.0', method: 'GET', status: 206, range_start: 0, range_end: 999, bytes: 1000, file_bytes: 4_000_000, duration_sec: 240, source: 'edge-1' },
    ],
    check: (db) =>
      expect(new PodcastStore(db).requests(PODCAST_SHOW.id, 0, FAR)).toEqual([
        { showId: PODCAST_SHOW.id, episodeId: PODCAST_EPISODE.id, at: T0, ip: '192.0.2.7', userAgent: 'Overcast/3.0', method: 'GET', status: 206, range: { start: 0, end: 999 }, bytes: 1000, fileBytes: 4_000_000, durationSec: 240, source: 'edge-1' },
      ]),
  },
  {
    table: 'cdn_functions',
    since: 22,
    rows: () => [{ name: EDGE_FUNCTION.name, doc: json(EDGE_FUNCTION), created_at: EDGE_FUNCTION.createdAt }],
    check: (db) => expect(new FunctionStore(db).list()).toEqual([EDGE_FUNCTION]),
  },
  {
    table: 'chat_bans',
    since: 8,
    rows: () => [{ room: ROOM, viewer_id: 'cv_troll', display_name: 'Troll', until: null, reason: 'spam', at: T0 + 3000 }],
    check: (db) => expect(new ChatStore(db).bans(ROOM, Date.now())).toEqual([{ viewerId: 'cv_troll', displayName: 'Troll', until: null, reason: 'spam', at: T0 + 3000 }]),
  },
  {
    table: 'chat_settings',
    since: 8,
    rows: () => [{ room: ROOM, settings: json(CHAT_SETTINGS) }],
    check: (db) => expect(new ChatStore(db).settings(ROOM)).toEqual(CHAT_SETTINGS),
  },
  {
    table: 'data_windows',
    since: 8,
    rows: () => [{ stream: 'show', windows: json(WINDOWS) }],
    check: (db) => {
      const windows = new WindowService({ db, bus: { emit: () => undefined, on: () => () => undefined }, hub: { publish: () => { throw new Error('not published to') }, onMessage: () => () => undefined }, logger: silentLogger() });
      expect(windows.definitions('show')).toEqual(WINDOWS);
    },
  },
  {
    table: 'users',
    since: 9,
    rows: (s) => [
      { id: 'usr_owner', name: 'Alex', role: 'owner', password_hash: s.passwordHash, totp_secret: null, totp_pending: null, totp_last_step: null, created_at: T0, last_sign_in_at: T0 + 10, disabled: 0 },
      { id: 'usr_sam', name: 'Sam', role: 'moderator', password_hash: null, totp_secret: 'JBSWY3DPEHPK3PXP', totp_pending: null, totp_last_step: 56_789, created_at: T0 + 1, last_sign_in_at: null, disabled: 1 },
    ],
    check: async (db, _v, s) => {
      const users = new UserStore(db);
      expect(users.byName('alex')).toEqual({
        id: 'usr_owner', name: 'Alex', role: 'owner', passwordHash: s.passwordHash, totpSecret: null, totpPending: null, totpLastStep: null, createdAt: T0, lastSignInAt: T0 + 10, disabled: false,
      });
      expect(users.get('usr_sam')).toMatchObject({ role: 'moderator', passwordHash: null, totpSecret: 'JBSWY3DPEHPK3PXP', totpLastStep: 56_789, disabled: true });
      expect(users.firstOwner()?.id).toBe('usr_owner');
      expect(await verifyPassword(users.get('usr_owner')!.passwordHash!, PASSWORD)).toBe(true);
    },
  },
  {
    table: 'invitations',
    since: 9,
    rows: () => [{ token_hash: sha256hex(INVITE_TOKEN), user_id: 'usr_sam', created_at: T0, expires_at: FAR }],
    check: (db) => expect(new UserStore(db).invitation(INVITE_TOKEN)?.id).toBe('usr_sam'),
  },
  {
    table: 'api_tokens',
    since: 9,
    rows: () => [{
      id: 'fixtureTok01', user_id: 'usr_owner', name: 'Stream Deck', token_hash: sha256hex(API_TOKEN), scopes: json(['streams:read', 'data:write']), streams: json(['show']),
      created_at: T0, expires_at: null, last_used_at: T0 + 100,
    }],
    check: (db) => {
      expect(new ApiTokenStore(db).verify(API_TOKEN)).toEqual({
        id: 'fixtureTok01', userId: 'usr_owner', name: 'Stream Deck', scopes: ['streams:read', 'data:write'], streams: ['show'], createdAt: T0, expiresAt: null, lastUsedAt: T0 + 100,
      });
    },
  },
  {
    table: 'jwt_keys',
    since: 9,
    rows: () => [
      { kid: 'kold', alg: 'HS256', private_jwk: json({ kty: 'oct', k: sha256b64('old'), kid: 'kold', alg: 'HS256' }), public_jwk: json({ kid: 'kold', alg: 'HS256' }), created_at: T0 - 1, retired_at: T0 },
      { kid: 'kfixture', alg: 'HS256', private_jwk: json({ kty: 'oct', k: JWT_SECRET, kid: 'kfixture', alg: 'HS256' }), public_jwk: json({ kid: 'kfixture', alg: 'HS256' }), created_at: T0, retired_at: null },
    ],
    check: (db) => expect(new JwtKeyStore(db).active()).toEqual([{ kid: 'kfixture', secret: JWT_SECRET, createdAt: T0, retiredAt: null }]),
  },
  {
    table: 'audit_log',
    since: 9,
    rows: () => [
      { at: T0, actor: 'user:usr_owner', action: 'streams.create', target: 'show', ip: '127.0.0.1', result: 'ok', detail: null },
      { at: T0 + 1, actor: 'anonymous', action: 'auth.login', target: null, ip: '192.0.2.99', result: 'denied', detail: 'wrong password' },
    ],
    check: (db) => {
      expect(new AuditStore(db).list({ limit: 10 })).toEqual({
        entries: [
          { id: 2, at: T0 + 1, actor: 'anonymous', action: 'auth.login', target: null, ip: '192.0.2.99', result: 'denied', detail: 'wrong password' },
          { id: 1, at: T0, actor: 'user:usr_owner', action: 'streams.create', target: 'show', ip: '127.0.0.1', result: 'ok', detail: null },
        ],
        next: null,
      });
    },
  },
  {
    table: 'studio_settings',
    since: 10,
    rows: () => [{ id: 1, revision: SHOW.revision, body: json(SHOW.studio) }],
    check: (db) => {
      // The show is read whole: its sources and scenes are checked here too.
      const show = new SceneStore(db).load();
      expect(show).toEqual(SHOW);
      expect(studioStateSchema.safeParse(show).success).toBe(true);
    },
  },
  {
    table: 'scene_sources',
    since: 10,
    rows: () => SHOW.sources.map((s) => ({ id: s.id, body: json(s) })),
    check: (db) => expect(new SceneStore(db).load()?.sources).toEqual(SHOW.sources),
  },
  {
    table: 'scenes',
    since: 10,
    rows: () => SHOW.scenes.map((s, position) => ({ id: s.id, position, body: json(s) })),
    check: (db) => expect(new SceneStore(db).load()?.scenes).toEqual(SHOW.scenes),
  },
  {
    table: 'guests',
    since: 11,
    rows: () => [{ id: GUEST, stream: 'show', name: 'Dr. Rivera', state: 'admitted', reason: null, muted: 1, hidden: 0, invited_at: T0, joined_at: T0 + 500, expires_at: FAR }],
    check: (db) => {
      expect(new GuestStore(db).ofStream('show')).toEqual([
        { id: GUEST, stream: 'show', name: 'Dr. Rivera', state: 'admitted', reason: null, muted: true, hidden: false, invitedAt: T0, joinedAt: T0 + 500, expiresAt: FAR },
      ]);
    },
  },
  {
    table: 'guest_takes',
    since: 12,
    rows: () => [{
      upload_id: 'upl_take1', guest_id: GUEST, stream: 'show', take: 1, started_at: T0 + 600, mime_type: 'video/webm', size: 52_428_800,
      completed_at: T0 + 700_000, program_lag_ms: 180, created_at: T0 + 600, updated_at: T0 + 700_000,
    }],
    check: (db) => {
      expect(new GuestTakeStore(db).get('upl_take1')).toEqual({
        uploadId: 'upl_take1', guestId: GUEST, stream: 'show', take: 1, startedAt: T0 + 600, mimeType: 'video/webm', size: 52_428_800,
        completedAt: T0 + 700_000, programLagMs: 180, createdAt: T0 + 600, updatedAt: T0 + 700_000,
      });
    },
  },
  {
    table: 'obs_connections',
    // Made by its store at every start, not by a migration; its sealed passwords need the `secrets` of migration 2.
    since: 2,
    create: (db) => void new ObsConnectionStore(db),
    rows: () => [{ id: 'obs_frozen', label: 'Studio PC', host: '192.0.2.40', port: 4455, password_enc: OBS_SEAL, managed: 0, created_at: T0 }],
    check: (db) => {
      const [connection] = new ObsConnectionStore(db).all();
      expect(connection).toEqual({ id: 'obs_frozen', label: 'Studio PC', host: '192.0.2.40', port: 4455, passwordEnc: OBS_SEAL, managed: false, createdAt: T0 });
      const secrets = new StreamStore(db);
      expect(new SecretBox(() => secrets.secret('obs-password-key', never)).open(connection!.passwordEnc!, 'obs_frozen')).toBe(OBS_PASSWORD);
    },
  },
];
