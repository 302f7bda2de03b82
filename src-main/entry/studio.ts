import os from 'node:os';
import path from 'node:path';
import type { CallResult, SystemInfo } from '../../src-shared/contract/index.js';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { AuthService } from '../api/auth.js';
import { createDispatcher, type CallContext } from '../api/dispatch.js';
import { createHandlers } from '../api/handlers.js';
import { SceneStore } from '../store/scenes.js';
import { SceneService } from '../studio/scene-service.js';
import { studioMediaRoutes } from '../studio/media-routes.js';
import { HttpService } from '../api/http-service.js';
import { ConfigStore } from '../conf/config-store.js';
import { EventBus } from '../core/bus.js';
import { ChildLedger } from '../core/child-ledger.js';
import { ChildRegistry, findSetpriv } from '../core/children.js';
import { monotonicMs } from '../core/clock.js';
import { StudioError } from '../core/errors.js';
import { ServiceGroup } from '../core/lifecycle.js';
import { createLogger, type Logger } from '../core/logger.js';
import { FfmpegService } from '../encoder/service.js';
import { bindSystemStats, bindWebRtcMetrics, createMetrics } from '../metrics/registry.js';
import { bindStreamMetrics } from '../metrics/stream-metrics.js';
import { SystemStatsService } from '../metrics/system-stats.js';
import { ensureApiToken, HomeLock, prepareHome } from '../platform/home.js';
import { homeLayout, rendererDir as defaultRendererDir, resolveHome, resourcesDir } from '../platform/paths.js';
import { BackupSchedule } from '../store/backup-schedule.js';
import { StartGuard, type SafeMode } from '../platform/start-guard.js';
import { isStartRefusal } from './exit-codes.js';
import { checkDatabaseFile, openDatabase } from '../store/db.js';
import { JobStore } from '../store/jobs.js';
import { RECORDING_VOD_JOB } from '../recorder/recording-service.js';
import { concurrencyFrom, JobQueue } from '../vod/job-queue.js';
import { PROCESS_JOB } from '../vod/library.js';
import { SqliteProbeCache } from '../store/probe-cache.js';
import { wireCdn } from './cdn.js';
import { wireLiveServer } from './live.js';
import { wireObs } from './obs.js';
import { wireWebRtc } from './webrtc.js';
import { wireGuests } from './guests.js';
import { wirePodcasts } from './podcasts.js';
import { PODCAST_AUDIO_JOB } from '../podcasts/service.js';
import { nativeSummary } from '../platform/native.js';
import { fanoutMode, fanoutSummary } from '../servers/webrtc/native-fanout.js';
import { wireRemote } from './remote.js';
import { wireBroadcasts } from './broadcast.js';
import { wireLibrary, type Library } from './library.js';
import { wireRunners } from './runners.js';
import { Autoscaler } from '../runners/autoscaler.js';
import { wireData } from './data.js';
import { hostTls, wireAccess } from './access.js';
import { playbackPaths } from '../protocols/signing.js';
import { UsersService } from '../auth/users.js';
import { TokensService } from '../auth/tokens.js';
import { UserStore } from '../store/users.js';
import { ApiTokenStore } from '../store/api-tokens.js';
import { SessionStore } from '../store/sessions.js';

export interface StudioOptions {
  mode: 'host' | 'desktop';
  home?: string;
  /** Command-line overrides; they win over config.yaml and STREAMS_* for this run only. */
  port?: number;
  bind?: string;
  env?: NodeJS.ProcessEnv;
  /** Also log JSON lines to stderr. */
  consoleLog?: boolean;
  rendererDir?: string;
  resourcesDir?: string;
  /** Start in safe mode (the UI, the API and sign-in only) even without a crash loop. */
  safeMode?: boolean;
}

export interface Studio {
  readonly home: string;
  readonly logger: Logger;
  readonly bus: EventBus;
  readonly http: HttpService;
  readonly apiToken: string;
  /** Why this start is a safe mode, or null. */
  readonly safeMode: SafeMode | null;
  url(): string;
  /** A fresh one-time login URL for a browser. */
  loginUrl(): string;
  dispatch(method: string, input: unknown, ctx?: Partial<CallContext>): Promise<CallResult<unknown>>;
  stop(reason: string): Promise<void>;
}

function checkFlag(value: number | undefined, flag: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 65535)) {
    throw new StudioError('CONFIG_INVALID', `${flag}: must be a port number between 1 and 65535`, { field: flag });
  }
}

/**
 * Wires every service of the studio by hand (constructor injection) and starts them in order.
 * Shared by the headless host and the Electron app; a failure undoes what was already started.
 */
export async function startStudio(options: StudioOptions): Promise<Studio> {
  const env = options.env ?? process.env;
  checkFlag(options.port, '--port');
  const layout = homeLayout(resolveHome(options.home, env));
  // A home from a newer version says so before anything is made in it, or its config (which may hold
  // keys unknown here) is read.
  checkDatabaseFile(layout.database);
  prepareHome(layout);
  const config = ConfigStore.load(layout.config, path.join(options.resourcesDir ?? resourcesDir(), 'config.default.yaml'), env);
  const startedAt = Date.now();
  // What a person reads as the start is wall time; how long ago it was is the monotonic clock's.
  const startedMonoMs = monotonicMs();
  const uptimeSec = (): number => Math.round((monotonicMs() - startedMonoMs) / 1000);
  let studioUrl = '';
  const lock = await HomeLock.acquire(layout.root, () => ({ pid: process.pid, url: studioUrl, mode: options.mode }));

  // Starts that died half-way are counted: after a few in a row this one is a safe mode.
  const guard = StartGuard.begin(layout.root, { force: options.safeMode ?? false });
  const safeMode = guard.safeMode;
  // Children a host killed outright left behind (it held this lock, so it is gone): reaped first.
  const ledger = new ChildLedger(path.join(layout.root, 'children'));
  const reaped = ledger.reap();

  const logger = createLogger({ level: config.current.log.level, file: layout.logFile, console: options.consoleLog ?? false });
  if (reaped.length > 0) logger.warn({ reaped }, `reaped ${reaped.length} child process(es) left by a host that was killed`);
  const group = new ServiceGroup((service, error) => logger.error({ err: error, service }, 'service failed to stop'));
  const bus = new EventBus((error, event) => logger.error({ err: error, event }, 'event listener failed'));
  // STREAMS_PDEATHSIG=off starts children without the parent-death signal (the ledger alone then
  // reaps them at the next start; tests prove that path with it).
  const children = new ChildRegistry(undefined, { ledger, setpriv: env.STREAMS_PDEATHSIG === 'off' ? null : findSetpriv() });
  let db: ReturnType<typeof openDatabase> | undefined;

  try {
    db = openDatabase(layout.database);
    guard.phase('wiring');
    const apiToken = ensureApiToken(layout.token);
    const sessions = new SessionStore(db);
    const people = { users: new UserStore(db), tokens: new ApiTokenStore(db) };
    const users = new UsersService({
      users: people.users,
      sessions,
      inviteTtlMs: () => config.current.auth.inviteTtlHours * 3_600_000,
      studioName: () => config.current.studio.name,
    });
    // The first run makes the owner: the api-token file and the printed sign-in link stand for them.
    users.ensureOwner();
    const auth = new AuthService(apiToken, sessions, () => config.current.http.sessionTtlHours * 3_600_000, people, () => config.current.limits.failedAuthPerMinute);
    // HTTPS and RTMPS: the operator's files, else (tls.selfSigned) a certificate of the host's own authority.
    const tls = await hostTls(config.current, layout.root);
    const metrics = createMetrics();
    const ffmpeg = new FfmpegService({
      children,
      bus,
      logger: logger.child({ service: 'ffmpeg' }),
      cache: new SqliteProbeCache(db),
      timeoutMs: () => config.current.ffmpeg.probeTimeoutMs,
      env,
    });
    const stats = new SystemStatsService({
      bus,
      children,
      logger: logger.child({ service: 'system-stats' }),
      intervalMs: () => config.current.system.statsIntervalMs,
    });
    bindSystemStats(metrics, bus);
    bindStreamMetrics(metrics, bus);

    config.onChange(({ changed }) => {
      logger.level = config.current.log.level;
      logger.info({ changed }, 'config changed');
      if (changed.some((field) => field.startsWith('library.'))) jobs.poke();
      bus.emit('config.changed', { changed, view: config.view() });
    });

    const systemInfo = (): SystemInfo => ({
      name: config.current.studio.name,
      version: STUDIO_VERSION,
      pid: process.pid,
      startedAt,
      uptimeSec: uptimeSec(),
      platform: process.platform,
      arch: process.arch,
      node: process.versions.node,
      hostname: os.hostname(),
      home: layout.root,
      mode: options.mode,
      url: http.url,
      safeMode,
      capture: { native: nativeSummary(), wayland: remote.wayland?.unavailable ?? null },
      webrtc: { fanout: fanoutSummary(fanoutMode(config.current.webrtc.fanout)) },
    });
    // One persisted queue for every ffmpeg conversion (the library's processing, recordings' VODs): one
    // concurrency limit, one list, stall kill, retries, and resumption after a host stop.
    const runners = wireRunners({ config: () => config.current, bus, children, ffmpeg, version: STUDIO_VERSION, uploads: () => library.uploads, poke: () => jobs.poke(), logger });
    const jobs: JobQueue = new JobQueue({
      store: new JobStore(db),
      logger: logger.child({ service: 'jobs' }),
      runners: { [PROCESS_JOB]: (ctx) => library.process(ctx), [RECORDING_VOD_JOB]: (ctx) => live.recordings.runVod(ctx), [PODCAST_AUDIO_JOB]: (ctx) => podcasts.service.runAudio(ctx) },
      concurrency: () => concurrencyFrom(config.current.library.concurrency),
      stallMs: () => config.current.library.stallSeconds * 1000,
      maxAttempts: () => config.current.library.maxAttempts,
      remote: runners.slots,
      onChange: (job) => {
        library.library.onJobChanged(job);
        live.recordings.onJobChanged(job);
        podcasts.service.onJobChanged(job);
      },
    });
    const live = wireLiveServer({
      config: () => config.current,
      home: layout.root,
      db,
      bus,
      children,
      ffmpeg,
      logger,
      httpUrl: () => http.url,
      jobs,
      otherVod: () => library.files,
      // Called only once serving, after `access` below is wired.
      admit: (request) => access.admit(request),
      audit: { record: (entry) => access.audit.record(entry) },
      ...(tls.mode !== 'off' ? { tls: { cert: tls.certFile, key: tls.keyFile } } : {}),
      runners: runners.pool,
    });
    const library: Library = wireLibrary({ config: () => config.current, home: layout.root, db, bus, children, ffmpeg, recordings: live.recordings, timedMetadata: live.timedMetadata, queue: jobs, signer: live.signer, protection: live.videoProtection, auth, logger, chat: { watchPanel: (id) => data.chat.watchPanel(id) }, guestTakes: () => guests.takes, runners });
    const podcasts = wirePodcasts({ home: layout.root, db, children, ffmpeg, library: () => library.library, uploads: () => library.uploads, recordings: live.recordings, queue: jobs, streams: live.streams, baseUrl: () => http.url, purge: (prefix) => cdn.registry.autoPurge({ prefix }, { podcasts: prefix }), logger });
    const data = wireData({ config: () => config.current, db, bus, logger, auth, streams: live.streams, signer: live.signer, clock: live.clock, timedMetadata: live.timedMetadata, library: () => library.library, metrics });
    const obs = wireObs({ config: () => config.current, mode: options.mode, home: layout.root, db, bus, children, logger, streams: live.streams });
    const cdn = wireCdn({ db, bus, logger, signer: live.signer, streams: live.streams, recordings: live.recordings, apiToken, children, jwtKeys: () => access.jwt.verifyingKeys(), audit: { record: (entry) => access.audit.record(entry) }, onDownloads: (edgeId, records) => void podcasts.delivery.recordEdge(edgeId, records), runners: runners.pool });
    const autoscaler = new Autoscaler({
      config: () => config.current.scaling,
      pool: runners.pool,
      edges: {
        list: () => cdn.registry.list(),
        drain: (id) => cdn.registry.drainFor(id, 'autoscaler'),
        // An edge the scaler adds registers with the API token, as one provisioned from the Edges page.
        provision: (input) => cdn.jobs.provision({ ...input, token: apiToken }),
        decommission: (input) => cdn.jobs.decommission(input),
      },
      queue: () => {
        const waiting = jobs.list().jobs.filter((j) => j.state === 'queued' && runners.pool.canRun(j.kind));
        return { waiting: waiting.length, oldestWaitMs: waiting.length ? Date.now() - Math.min(...waiting.map((j) => j.createdAt)) : 0 };
      },
      provision: (input) => cdn.jobs.provisionRunner(input),
      decommission: (input) => cdn.jobs.decommissionRunner(input),
      finished: (id) => cdn.jobs.finished(id),
      origin: () => (config.current.scaling.origin || http.url).replace(/\/$/, ''),
      // A token that can do nothing but be a runner, of the owner (the api-token itself before there is one).
      token: (name) => {
        const owner = auth.ownerPrincipal('token');
        if (!owner.userId) return { token: apiToken, id: null };
        const made = tokens.create(owner, { name: `runner ${name} (autoscaler)`, scopes: ['runners:write'] });
        return { token: made.token, id: made.id };
      },
      deleteToken: (id) => tokens.delete(auth.ownerPrincipal('token'), id),
      runProvider: (command, args, timeoutMs) => children.run('/bin/sh', ['-c', `${command} "$@"`, 'provider', ...args], { timeoutMs }),
      stateFile: path.join(layout.root, 'scaling', 'members.json'),
      onChange: (status) => bus.emit('scaling.changed', status),
      audit: { record: (entry) => access.audit.record(entry) },
      logger: logger.child({ service: 'autoscaler' }),
    });
    const webrtc = wireWebRtc({
      config: () => config.current,
      paths: live.paths,
      streams: live.streams,
      analytics: live.analytics,
      auth,
      children,
      ffmpegPath: () => ffmpeg.path(),
      logger,
      clock: live.clock,
      timedMetadata: live.timedMetadata,
      admit: (request) => access.admit(request),
    });
    bindWebRtcMetrics(metrics, () => webrtc.server.viewerPaths());
    const remote = wireRemote({ config: () => config.current, children, ffmpeg, env, logger, admit: (request) => access.admit(request), audit: { record: (entry) => access.audit.record(entry) }, rdpHome: path.join(layout.root, 'rdp') });
    const backups = new BackupSchedule({
      config: () => config.current.backup,
      home: layout.root,
      media: () => ({ recordings: live.recordings.dir, library: config.current.library.dir || path.join(layout.root, 'library') }),
      studioVersion: STUDIO_VERSION,
      logger: logger.child({ service: 'backups' }),
    });
    const broadcasts = wireBroadcasts({ config: () => config.current, displays: remote.displays, wayland: remote.wayland, sound: remote.sound, paths: live.paths, streams: live.streams, children, ffmpeg, bus, logger });
    const tokens = new TokensService(people.tokens);
    const access = wireAccess({ db, config: () => config.current, logger, tls, home: layout.root, failures: auth, onJwtRotate: () => cdn.registry.pushKeys(), users, tokens, streams: live.streams, signer: live.signer });
    const scenes = new SceneService({ store: new SceneStore(db), bus });
    const rendererDir = options.rendererDir ?? defaultRendererDir();
    const guests = wireGuests({ db, bus, jwt: access.jwt, streams: live.streams, webrtc: webrtc.server, auth, rendererDir, logger, scenes, paths: live.paths, config: () => config.current, library, recordings: live.recordings, clock: live.clock });
    const loginUrlFor = (code: string, base = http.url): string => `${base}/login?code=${code}`;
    const dispatch = createDispatcher(
      createHandlers({
        systemInfo,
        stats,
        ffmpeg,
        config,
        auth,
        loginUrl: (code) => loginUrlFor(code),
        streams: live.streams,
        restream: live.restream,
        recordings: live.recordings,
        obs: obs.obs,
        // A stream that takes JWTs only gets URLs carrying a read JWT; the others a signed URL.
        signPlayback: async (name, opts, baseUrl) => {
          const base = baseUrl ?? http.url;
          if (live.streams.access(name)?.playAuth !== 'jwt') return live.signer.signPlayback(name, opts, base);
          const { token, expiresAt } = await access.jwt.issue({ action: 'read', streams: [name], expiresInSec: opts.expiresInSec, ...(opts.ip ? { ip: opts.ip } : {}) });
          const paths = playbackPaths(name);
          return { hls: `${base}${paths.hls}?jwt=${token}`, dash: `${base}${paths.dash}?jwt=${token}`, expiresAt };
        },
        cdn: cdn.handlers,
        remote,
        broadcasts: { displays: remote.displays, broadcasts },
        videos: library.handlers,
        data: data.handlers,
        access: access.handlers,
        scenes,
        guests: guests.guests,
        guestTakes: guests.takes,
        podcasts: podcasts.handlers,
        backups,
        runners: {
          pool: runners.pool,
          provision: (input) => cdn.jobs.provisionRunner({ ...input, slots: input.slots }),
          decommission: (input) => cdn.jobs.decommissionRunner(input),
          runnerToken: (by, name) => tokens.create(by, { name, scopes: ['runners:write'] }).token,
          scaling: () => autoscaler.status(),
        },
      }),
      logger,
      access.onCall,
    );
    const listen = {
      ...config.current.http,
      ...(tls.mode === 'self-ca' ? { tlsCert: tls.certFile, tlsKey: tls.keyFile } : {}),
      port: options.port ?? config.current.http.port,
      bind: options.bind ?? config.current.http.bind,
    };
    const http = new HttpService(
      {
        dispatch,
        auth,
        users,
        audit: access.audit,
        limits: { requests: () => config.current.limits, failedAuthDelayMs: () => config.current.auth.failedAuthDelayMs },
        bus,
        metrics,
        logger: logger.child({ service: 'http' }),
        version: STUDIO_VERSION,
        uptimeSec,
        rendererDir,
        plugins: safeMode
          ? access.plugins
          : [...access.plugins, ...live.plugins, ...data.plugins, ...library.plugins, ...podcasts.plugins, ...webrtc.plugins, ...guests.plugins, ...remote.plugins, ...cdn.plugins, ...runners.plugins, studioMediaRoutes(path.join(layout.root, 'studio-media'))],
      },
      listen,
    );

    // The queue starts before the services whose jobs it runs and stops after them (its running jobs go back to queued).
    // Safe mode: the UI, the API and sign-in only; nothing that listens for media, runs jobs or starts things by itself.
    const services = safeMode
      ? [children, access.audit, stats, http]
      : [children, access.audit, ffmpeg, stats, runners.pool, jobs, ...live.services, ...library.services, ...webrtc.services, ...remote.services, broadcasts, ...obs.services, ...cdn.services, ...data.services, backups, http, autoscaler];
    await group.start(services, (name) => guard.phase(`service:${name}`));
    guard.started();
    studioUrl = http.url;
    if (safeMode) logger.warn({ safeMode }, 'studio started in safe mode');
    // How the CLI bundle was compiled (bin/load-bundle.mjs): 'used' is the fast start; 'none' or 'rejected'
    // is written as the cache a few seconds on. Absent in the Electron shell.
    const codeCache = (globalThis as Record<symbol, unknown>)[Symbol.for('streams.codeCache')];
    logger.info({ url: http.url, home: layout.root, mode: options.mode, version: STUDIO_VERSION, safeMode: safeMode !== null, codeCache }, 'studio started');

    let stopping: Promise<void> | undefined;
    return {
      home: layout.root,
      logger,
      bus,
      http,
      apiToken,
      safeMode,
      url: () => http.url,
      loginUrl: () => loginUrlFor(auth.issueLoginCode().code),
      // The desktop window (IPC) is the owner at this machine.
      dispatch: (method, input, ctx) => dispatch(method, input, { transport: 'ipc', principal: auth.ownerPrincipal('ipc'), ...ctx }),
      stop: (reason) =>
        (stopping ??= (async () => {
          logger.info({ reason }, 'studio stopping');
          bus.emit('host.stopping', { reason });
          await group.dispose();
          db?.close();
          // A clean stop is not a crash, whenever it comes.
          guard.clear();
          await lock.release();
          logger.info('studio stopped');
          logger.flush();
        })()),
    };
  } catch (error) {
    // A refusal with a clear message (a port in use, a home too new) is not a crash; anything else counts.
    if (isStartRefusal(error)) guard.clear();
    else guard.failed(error);
    await group.dispose();
    await children.dispose();
    db?.close();
    await lock.release();
    logger.flush();
    throw error;
  }
}
