import crypto from 'node:crypto';
import { publishGrant } from '../auth/admission.js';
import { PerAddressConnections } from '../auth/limits.js';
import { splitList } from '../../src-shared/config-auth.js';
import type { AdmissionRequest, AdmissionResult } from '../auth/types.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StudioConfig } from '../../src-shared/config.js';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { capsOf } from '../encoder/capabilities.js';
import { planLiveLadder } from '../encoder/live-ladder.js';
import { Packager, type LadderLauncher } from '../encoder/packager.js';
import type { RunnerPool } from '../runners/pool.js';
import { usablePath, type FfmpegService } from '../encoder/service.js';
import type { HttpPlugin } from '../http/plugin.js';
import { TimedMetadata } from '../data/timed-metadata.js';
import { MediaClock } from '../media/media-clock.js';
import { PathManager } from '../media/path-manager.js';
import { LiveSessions } from '../media/live-sessions.js';
import { LiveStreams, type PackagerFactory } from '../media/live-streams.js';
import { StreamService } from '../media/stream-service.js';
import { StreamTransitions } from '../media/stream-transitions.js';
import { configuredUrls } from '../media/stream-urls.js';
import { ViewerAnalytics } from '../servers/hls/analytics.js';
import { admitViewer, liveRoutes, type LiveRoutesOptions } from '../servers/hls/routes.js';
import { streamThatMade, VodKeys } from '../recorder/vod-encryption.js';
import { httpKeyProvider, newKeyEpoch, RunEncryption, type EncryptionScheme } from '../servers/hls/ll/content-keys.js';
import { KeyGuard } from '../servers/hls/key-guard.js';
import { LlHub } from '../servers/hls/ll/ll-hub.js';
import { SegmentTimes } from '../servers/hls/segment-times.js';
import type { RunTrack } from '../servers/hls/ll/ll-stream.js';
import { UrlSigner } from '../protocols/signing.js';
import { RecordingService, type RecordingJobs } from '../recorder/recording-service.js';
import { recordingOfDeletedStream, recordingRoutes, type OtherVodFiles } from '../recorder/routes.js';
import type { VideoProtection } from '../vod/routes.js';
import { RestreamService } from '../restream/restream-service.js';
import { newBoxSecret, SecretBox } from '../restream/secret-box.js';
import { RtmpServer } from '../servers/rtmp/server.js';
import { SrtServer } from '../servers/srt/server.js';
import type { Db } from '../store/db.js';
import { keyProviderTokenContext, StreamStore } from '../store/streams.js';

export interface LiveServer {
  streams: StreamService;
  paths: PathManager;
  analytics: ViewerAnalytics;
  restream: RestreamService;
  recordings: RecordingService;
  signer: UrlSigner;
  /** The streams' program timeline (StreamClockPort): the data hub stamps messages with it. */
  clock: MediaClock;
  /** Timed data in the media: plug `onMessage` into the data hub's tap. */
  timedMetadata: TimedMetadata;
  /** Encrypted library videos: their keys, and the guard of every key route. */
  videoProtection: VideoProtection;
  services: Service[];
  plugins: HttpPlugin[];
}

function readPem(file: string, field: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new StudioError('CONFIG_INVALID', `${field}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field });
  }
}

/**
 * Wires the live server (part of the studio composition root): the Path hub, RTMP ingest, the
 * stream service with one packager per publish, HLS/DASH serving, signed URLs and analytics.
 */
export function wireLiveServer(deps: {
  config: () => StudioConfig;
  home: string;
  db: Db;
  bus: EventBus;
  children: ChildRegistry;
  ffmpeg: FfmpegService;
  logger: Logger;
  httpUrl: () => string;
  /** The studio's job queue: recordings' VOD conversions run there. */
  jobs: RecordingJobs;
  /** Serves `/vod/<id>/...` of ids that are not recordings' (the video library's, wired after). */
  otherVod?: () => OtherVodFiles | undefined;
  /** Who may publish and play (auth/admission.ts, wired after: called only once serving). */
  admit: (request: AdmissionRequest) => Promise<AdmissionResult>;
  /** The audit log (wired after: written only once serving): content-key deliveries and refusals. */
  audit?: LiveRoutesOptions['audit'];
  /** The certificate HTTPS and RTMPS serve (http.tlsCert, or one the host's own authority issued). */
  tls?: { cert: string; key: string };
  /** Transcoding runners: a stream set to encode on one has each low-latency ladder run placed there when one can (runners/pool.ts). */
  runners?: Pick<RunnerPool, 'launchLive'>;
}): LiveServer {
  const { config, logger } = deps;
  const store = new StreamStore(deps.db);
  const paths = new PathManager(logger.child({ service: 'paths' }));
  const analytics = new ViewerAnalytics();
  const signer = new UrlSigner({ current: store.secret('playback-signing-key', () => crypto.randomBytes(32).toString('base64url')) });
  // AES-128 content keys are derived from it (servers/hls/ll/content-keys.ts): kept, so DVR keys outlive a restart.
  const contentKeyMaster = store.secret('content-key-master', () => crypto.randomBytes(32).toString('base64url'));

  const clock = new MediaClock();
  clock.attach(paths);
  const timedMetadata = new TimedMetadata();
  const segmentTimes = new SegmentTimes(clock);

  const lowLatency = new LlHub({
    clock,
    logger: logger.child({ service: 'll-hls' }),
    partTargetSec: () => config().live.partMs / 1000,
    segmentSeconds: () => config().live.segmentSeconds,
    minWindowSegments: () => config().live.windowSegments,
    maxDiskBytes: () => config().live.dvrMaxMegabytes * 1024 * 1024,
  });

  const keysLog = logger.child({ service: 'content-keys' });
  // Streams' key provider tokens at rest (a key of their own: a leaked destination key opens nothing here).
  const streamSecrets = new SecretBox(() => store.secret('stream-secret-key', newBoxSecret));
  /**
   * The keys of a new live run of an encrypted stream: the host's own, or a key provider's (the stream's
   * own, else the host's), whose first must come now.
   */
  const runEncryption = async (name: string, scheme: EncryptionScheme): Promise<RunEncryption> => {
    const { keyProviderUrl, keyProviderToken, keyProviderTimeoutMs, keyRotationSegments, cbcsKeyRotationSegments } = config().live;
    const record = store.get(name);
    // The stream's own provider takes the stream's own token; the host's token goes to the host's provider only.
    const own = record?.keyProviderUrl ?? '';
    const sealed = record?.keyProviderTokenEnc ?? null;
    const provider = own
      ? httpKeyProvider(own, keyProviderTimeoutMs, sealed === null ? '' : streamSecrets.open(sealed, keyProviderTokenContext(name)))
      : keyProviderUrl
        ? httpKeyProvider(keyProviderUrl, keyProviderTimeoutMs, keyProviderToken)
        : null;
    const rotation = scheme === 'cbcs' ? cbcsKeyRotationSegments : keyRotationSegments;
    const encryption = new RunEncryption(name, newKeyEpoch(), rotation, contentKeyMaster, provider, (error, period) =>
      keysLog.error({ stream: name, period, err: error }, 'the key provider gave no key: that period is not served'),
      scheme,
    );
    try {
      await encryption.prepare(0);
    } catch (error) {
      throw new Error(`${(error as Error).message}: the stream does not go live without its key, encrypted or clear`, { cause: error });
    }
    return encryption;
  };

  const createPackager: PackagerFactory = async (request) => {
    const info = await deps.ffmpeg.info();
    const binary = usablePath(info);
    const plan = planLiveLadder(request.ladder, request.tracks, info, { platform: process.platform, cores: os.availableParallelism() });
    const llTracks: RunTrack[] = plan.renditions.map((r, index) => ({
      info: { index, kind: 'video', bandwidthBps: (r.videoBitrateKbps + r.audioBitrateKbps) * 1000, width: r.width, height: r.height, fps: plan.fps },
    }));
    if (plan.audio) {
      const { audio } = request.tracks;
      llTracks.push({
        info: {
          index: plan.renditions.length,
          kind: 'audio',
          bandwidthBps: plan.audio.bitrateKbps * 1000,
          ...(audio ? { sampleRate: audio.sampleRate, channels: audio.channels } : {}),
        },
      });
    }
    // An encrypted stream whose first key does not come does not go live: never clear instead.
    const encryption = request.latency === 'low' && request.encryption && request.encryption !== 'none' ? await runEncryption(request.name, request.encryption) : null;
    const sink =
      request.latency === 'low'
        ? lowLatency.sink({ name: request.name, continuing: request.continuing, dvrMinutes: request.dvrMinutes, encryption, tracks: llTracks })
        : undefined;
    // A runner takes each run it can (asked again at every restart); the origin the rest.
    const runners = deps.runners;
    const launcher: LadderLauncher | undefined =
      sink && request.encodeOn === 'runner' && runners ? (run, callbacks) => runners.launchLive(request.name, plan.encoder.name, run, callbacks) : undefined;
    const packager = new Packager({
      name: request.name,
      outDir: request.outDir,
      outDirFor: request.outDirFor,
      renditions: plan.renditions,
      encoder: plan.encoder,
      segmentSeconds: config().live.segmentSeconds,
      windowSegments: config().live.windowSegments,
      children: deps.children,
      logger: logger.child({ service: 'packager', stream: request.name }),
      ffmpegPath: binary,
      attach: request.attach,
      fps: plan.fps,
      audio: plan.audio,
      caps: capsOf(info.features),
      ...(launcher ? { launcher } : {}),
      ...(sink ? { lowLatency: sink } : { onFirstMedia: (dir, kind, mediaTime) => segmentTimes.firstMedia(dir, kind, mediaTime) }),
    });
    packager.onFailed(request.onFailed);
    if (!sink) return { packager, renditions: plan.renditions };
    // The timeline ends with the publish: playlists get ENDLIST, blocked requests are answered.
    packager.onFailed(() => lowLatency.end(request.name));
    packager.onEnded(() => lowLatency.end(request.name));
    const port = {
      start: () => packager.start(),
      stop: async (reason: string) => {
        await packager.stop(reason);
        // An encoder that dropped (RTMP/SRT connection lost) often reconnects within seconds; one that
        // was stopped, deleted or kicked does not.
        lowLatency.end(request.name, { mayReturn: /disconnected/.test(reason) });
      },
      get progress() {
        return packager.progress;
      },
      get droppedChunks() {
        return packager.droppedChunks;
      },
    };
    return { packager: port, renditions: plan.renditions };
  };

  const ffmpegPath = (): Promise<string> => deps.ffmpeg.path();
  const isLive = (name: string): boolean => paths.publisherOf(name) !== undefined;
  const restream = new RestreamService({
    db: deps.db,
    secret: () => store.secret('destination-key', newBoxSecret),
    paths,
    streamExists: (name) => store.get(name) !== undefined,
    isLive,
    children: deps.children,
    ffmpegPath,
    ffmpegInfo: () => deps.ffmpeg.info(),
    bus: deps.bus,
    logger,
    caBundleFile: path.join(deps.home, 'restream', 'ca-bundle.pem'),
  });
  const recordings = new RecordingService({
    db: deps.db,
    paths,
    isLive,
    shouldRecord: (name) => store.get(name)?.record ?? false,
    isEncrypted: (name) => (store.get(name)?.encryption ?? 'none') !== 'none',
    children: deps.children,
    ffmpegPath,
    ffprobePath: () => deps.ffmpeg.ffprobePath(),
    ffmpegInfo: () => deps.ffmpeg.info(),
    config: () => config().recording,
    home: deps.home,
    bus: deps.bus,
    logger,
    jobs: deps.jobs,
    programDateTime: (stream, mediaTime) => clock.programDateTime(stream, mediaTime),
  });

  const urls = configuredUrls(config, deps.httpUrl);

  const streamsLog = logger.child({ service: 'streams' });
  const sessions = new LiveSessions({ root: path.join(deps.home, 'live') });
  const transitions = new StreamTransitions({ store, bus: deps.bus, logger: streamsLog });
  const live = new LiveStreams({ store, paths, analytics, bus: deps.bus, logger: streamsLog, createPackager, transitions, sessions });
  const streams = new StreamService({
    store,
    live,
    sessions,
    transitions,
    analytics,
    urls,
    bus: deps.bus,
    logger: streamsLog,
    defaultLadder: () => config().live.defaultLadder,
    defaultLatency: () => config().live.defaultLatency,
    defaultDvrMinutes: () => config().live.dvrMinutes,
    box: streamSecrets,
    recordingOf: (name) => recordings.activeOf(name),
    onDeleted: async (name) => {
      const log = (error: unknown): void => logger.error({ err: error, stream: name }, 'cleanup of a deleted stream failed');
      clock.forget(name);
      timedMetadata.forget(name);
      restream.forgetStream(name).catch(log);
      recordings.forgetStream(name).catch(log);
      // The low-latency run's last parts may still be landing in the session folders, which go next.
      await lowLatency.forget(name).catch(log);
    },
  });

  const { tlsPort } = config().rtmp;
  const tlsCert = deps.tls?.cert ?? config().http.tlsCert;
  const tlsKey = deps.tls?.key ?? config().http.tlsKey;
  if (tlsPort > 0 && (tlsCert === '' || tlsKey === '')) {
    throw new StudioError('CONFIG_INVALID', 'rtmp.tlsPort: RTMPS needs http.tlsCert and http.tlsKey, or tls.selfSigned', { field: 'rtmp.tlsPort' });
  }
  // One count per address across RTMP and SRT (WebRTC sessions are counted by their server).
  const perAddress = new PerAddressConnections(() => config().limits.connectionsPerIp);
  const rtmp = new RtmpServer({
    connections: perAddress,
    ...(tlsPort > 0 ? { tlsPort, tls: { cert: readPem(tlsCert, 'http.tlsCert'), key: readPem(tlsKey, 'http.tlsKey') } } : {}),
    port: config().rtmp.port,
    bind: config().rtmp.bind,
    logger: logger.child({ service: 'rtmp' }),
    paths,
    authorize: (app, key, ip) => (app === 'live' ? publishGrant(deps.admit, key, 'rtmp', ip) : null),
  });

  const srt = new SrtServer({
    port: config().srt.port,
    bind: config().srt.bind,
    logger: logger.child({ service: 'srt' }),
    paths,
    children: deps.children,
    ffmpegPath,
    ffmpegCaps: () => deps.ffmpeg.caps(),
    authorize: (key, ip) => publishGrant(deps.admit, key, 'srt', ip),
    connectionsPerAddress: perAddress,
  });

  // One rate limit and first-key audit for every content-key route: live keys, licences and recordings' keys.
  const keyGuard = new KeyGuard(deps.audit ? { audit: deps.audit } : {});

  return {
    streams,
    paths,
    analytics,
    restream,
    recordings,
    signer,
    clock,
    timedMetadata,
    // Encrypted library videos: their keys from the same master, under the same guard.
    videoProtection: { keysOf: (videoId: string) => new VodKeys(videoId, config().live.keyRotationSegments, contentKeyMaster), guard: keyGuard },
    // Started in this order, stopped in reverse: ingest stops first, then relays, recorders and packagers finish.
    services: [analytics, streams, recordings, restream, rtmp, srt],
    plugins: [
      liveRoutes({
        catalog: streams,
        signer,
        admit: deps.admit,
        ...(deps.audit ? { audit: deps.audit } : {}),
        keyGuard,
        viewerCap: (name) => store.get(name)?.maxViewers || config().limits.maxViewersPerStream,
        allowedOrigins: () => splitList(config().limits.allowedOrigins),
        analytics,
        logger: logger.child({ service: 'hls' }),
        windowSize: config().live.windowSegments,
        lowLatency: {
          streams: lowLatency,
          segmentSeconds: () => config().live.segmentSeconds,
          dvrSecondsOf: (name) => (store.get(name)?.dvrMinutes ?? 0) * 60,
        },
        timedMetadata,
        segmentTimes,
      }),
      recordingRoutes(recordings, logger.child({ service: 'recordings' }), signer, deps.otherVod, timedMetadata, {
        // A recording made while its stream was encrypted stays encrypted; one of a stream set to AES-128 or cbcs
        // later is served encrypted too (AES-128 HLS and cbcs DASH either way).
        keysOf: (recording) =>
          recording.encrypted || (streamThatMade(store.get(recording.stream), recording)?.encryption ?? 'none') !== 'none'
            ? new VodKeys(recording.id, config().live.keyRotationSegments, contentKeyMaster)
            : null,
        // The keys of a recording go to the viewers its stream admits. Once that stream is deleted they go to
        // nobody, even when a new stream takes its name: that stream's viewers (its signatures, its JWTs, the
        // admission hook asked by name) were never admitted to the old one's recordings.
        admit: async (req, recording) => {
          const stream = streamThatMade(store.get(recording.stream), recording);
          if (!stream) return { ok: false, bare: false, error: recordingOfDeletedStream(recording) };
          return admitViewer({ admit: deps.admit, signer }, req, stream.name, stream.private);
        },
        guard: keyGuard,
      }),
    ],
  };
}
