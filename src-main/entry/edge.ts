import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { ChildRegistry, findSetpriv } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import { ServiceGroup } from '../core/lifecycle.js';
import { createLogger } from '../core/logger.js';
import { EdgeAgentCore, EdgeStateFile } from '../edge/agent.js';
import { PlaylistMirror } from '../edge/playlist-mirror.js';
import { DataPlaneProber } from '../edge/data-plane-probe.js';
import { LogTail } from '../edge/log-tail.js';
import { ACCESS_LOG, cacheBudget, cacheLayout, FETCH_LOG, originParts, parseSize, PODCAST_LOG } from '../edge/nginx-conf.js';
import { PodcastLog } from '../edge/podcast-log.js';
import { FunctionLog } from '../edge/function-log.js';
import { FUNCTION_LOG } from '../edge/njs-functions.js';
import { findModulesDir, findNginx, NginxProcess } from '../edge/nginx-process.js';
import { OriginLink } from '../edge/origin-link.js';
import { prepareAgentDir } from '../edge/worker-folders.js';
import { Prefetcher } from '../edge/prefetch.js';
import { UrlSigner } from '../protocols/signing.js';
import { localAddressOf } from '../http/loopback.js';
import { freePort } from '../platform/net.js';

export const EDGE_USAGE = `Usage: streams edge --origin URL --token T [options]

Runs an edge node: nginx caches the origin's /live/... paths; this agent supervises it, applies
purges pushed by the origin, verifies nothing itself (nginx's njs checks signed URLs), and reports.
  --origin URL        the studio host, e.g. http://studio.example:7070
  --token T           the host's API token (or $STREAMS_EDGE_TOKEN)
  --port N            public HTTP port (default 8081)
  --bind ADDR         listen address (default 0.0.0.0)
  --dir DIR           the edge's folder: config, logs, state, temp files (default ~/.streams-edge;
                      as root /var/lib/streams-edge, or $STREAMS_EDGE_SYSTEM_DIR)
  --cache-dir DIR     disk cache (default DIR/cache, or $STREAMS_EDGE_CACHE_DIR)
  --cache-size SIZE   disk cache limit, nginx units (default 1g): 70 % for the mirror of segments
                      (files, evicted oldest first), 20 % playlists and low-latency objects,
                      10 % misses in flight
  --region LABEL      region label shown to the origin (default "")
  --public-url URL    how viewers reach this edge (default http://<bind>:<port>)
  --heartbeat-ms N    heartbeat period (default 5000)
  --workers N         nginx worker processes (default auto)

As root, nginx's workers run as "nobody": the cache and temp folders are handed to that user, and
every folder above them must be searchable by it (a cache under /root is refused with exit 2).
The edge is in rotation only while a probe through its own nginx (GET /edge/probe, fetched from the
origin) answers; the origin lists why an edge is out in GET /api/v1/cdn/edges (unhealthyReason).`;

const SIZE_RE = /^\d{1,9}[kmg]?$/i;

/**
 * The edge's folder unless told. As root, /var/lib/streams-edge (where a provisioned edge lives too):
 * root's home is 0700, which nginx's workers (nobody) cannot search, so a cache there fails every
 * request. STREAMS_EDGE_SYSTEM_DIR moves it (tests on a shared machine).
 */
function defaultEdgeDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (uid === 0) return env.STREAMS_EDGE_SYSTEM_DIR || '/var/lib/streams-edge';
  return path.join(os.homedir(), '.streams-edge');
}

function bad(field: string, message: string): never {
  throw new StudioError('CONFIG_INVALID', `${field}: ${message}`, { field });
}

/** `streams edge`: the composition root of an edge node. Resolves with the exit code when stopped. */
export async function runEdge(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      origin: { type: 'string' },
      token: { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      dir: { type: 'string' },
      'cache-dir': { type: 'string' },
      'cache-size': { type: 'string' },
      region: { type: 'string' },
      'public-url': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${EDGE_USAGE}\n`);
    return 0;
  }
  // A provisioned edge is configured through its environment file (STREAMS_EDGE_*); flags win.
  const env = process.env;
  const opt = (flag: keyof typeof values, name: string, fallback: string): string => {
    const value = values[flag];
    return typeof value === 'string' ? value : (env[`STREAMS_EDGE_${name}`] ?? fallback);
  };
  const portText = opt('port', 'PORT', '8081');
  const bind = opt('bind', 'BIND', '0.0.0.0');
  const cacheSize = opt('cache-size', 'CACHE_SIZE', '1g');
  const region = opt('region', 'REGION', '');
  const origin = values.origin ?? env.STREAMS_EDGE_ORIGIN ?? bad('--origin', 'required (the studio host URL)');
  try {
    originParts(origin);
  } catch (error) {
    bad('--origin', (error as Error).message);
  }
  const token = values.token ?? env.STREAMS_EDGE_TOKEN ?? bad('--token', 'required (the host API token)');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad('--port', `expected a port number, got "${portText}"`);
  if (!SIZE_RE.test(cacheSize)) bad('--cache-size', `expected e.g. 512m or 2g, got "${cacheSize}"`);
  const heartbeatMs = Number(opt('heartbeat-ms', 'HEARTBEAT_MS', '5000'));
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 100 || heartbeatMs > 60_000) bad('--heartbeat-ms', 'expected 100..60000');
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) bad('--workers', 'expected 1..64');
  const dir = path.resolve(values.dir ?? (env.STREAMS_EDGE_DIR || defaultEdgeDir(env)));
  const cacheDir = path.resolve(values['cache-dir'] ?? (env.STREAMS_EDGE_CACHE_DIR || path.join(dir, 'cache')));
  const publicUrl = (values['public-url'] ?? (env.STREAMS_EDGE_PUBLIC_URL || `http://${bind === '0.0.0.0' ? os.hostname() : bind}:${port}`)).replace(/\/$/, '');

  const nginxBin = findNginx() ?? bad('nginx', 'not found; install the nginx package');
  const modulesDir = findModulesDir() ?? bad('nginx', 'the js and cache-purge modules were not found (libnginx-mod-http-js, libnginx-mod-http-cache-purge)');

  try {
    prepareAgentDir(dir);
  } catch (error) {
    bad('--dir', `cannot create ${dir}: ${(error as Error).message}`);
  }
  const logger = createLogger({ level: 'info', file: path.join(dir, 'agent.log'), console: true });
  // nginx dies with the agent even when the agent is killed outright (parent-death signal).
  const children = new ChildRegistry(undefined, { setpriv: findSetpriv() });
  const group = new ServiceGroup((service, error) => logger.error({ err: error, service }, 'service failed to stop'));
  const stateFile = new EdgeStateFile(path.join(dir, 'state.json'));
  const state = stateFile.load();
  // The public port is not bound until nginx starts: the OS could hand it out here too.
  const controlPort = await freePort([port]);
  const fillPort = await freePort([port, controlPort]);
  // Hits (written by nginx in blocks) and upstream fetches (written at once): see nginx-conf.ts.
  let tails: LogTail[] = [];
  // Until the origin hands out the signing keys, a random key refuses every signed URL.
  const keys = state.keys ?? { current: `unregistered-${Math.random().toString(36).slice(2)}-key`, previous: null };

  const nginxRef: { current?: NginxProcess } = {};
  const functionLog = new FunctionLog();
  const local = localAddressOf(bind);
  const prober = new DataPlaneProber({ logger: logger.child({ service: 'data-plane' }), target: { host: local, port }, everyMs: heartbeatMs });
  const signatureFor = (name: string): string | null =>
    state.keys ? new URLSearchParams(new UrlSigner(state.keys).sign(name, { expiresInSec: 60 })).toString() : null;
  const prefetcher = new Prefetcher({ host: local, port }, signatureFor);
  const playlists = new PlaylistMirror({
    root: cacheLayout(cacheDir).playlists,
    origin,
    logger: logger.child({ service: 'playlists' }),
    signatureFor,
    onFresh: (uri, variant) => prefetcher.warm(uri, variant),
  });
  const core = new EdgeAgentCore({
    logger: logger.child({ service: 'edge' }),
    nginx: { get up() { return nginxRef.current?.up ?? false; } },
    dataPlane: () => prober.result,
    controlPort,
    cacheDir,
    mirror: { dir: cacheLayout(cacheDir).mirror, budgetBytes: cacheBudget(parseSize(cacheSize)).mirror },
    state,
    saveState: (s) => stateFile.save(s),
    drainLog: () => {
      for (const tail of tails) tail.drain();
    },
    indexFile: path.join(dir, 'tag-index.json'),
    functions: () => functionLog.stats(),
    prefetcher,
    playlists,
  });
  playlists.start();

  let stopRequested: NodeJS.Signals | undefined;
  let onStop: ((signal: NodeJS.Signals) => void) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopRequested ??= signal;
    onStop?.(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const agentPort = await core.listen([port, controlPort, fillPort]);
    const nginx = new NginxProcess(
      { children, logger: logger.child({ service: 'nginx' }), bin: nginxBin },
      { dir, cacheDir, cacheSize, port, bind, controlPort, fillPort, agentPort, origin, keys, modulesDir, functions: state.functions ?? [], ...(workers ? { workerProcesses: workers } : {}) },
    );
    nginxRef.current = nginx;
    const podcastLog = new PodcastLog();
    tails = [new LogTail(path.join(dir, ACCESS_LOG), core.onLogLine), new LogTail(path.join(dir, FETCH_LOG), core.onLogLine, 100), new LogTail(path.join(dir, PODCAST_LOG), podcastLog.onLine, 500), new LogTail(path.join(dir, FUNCTION_LOG), functionLog.onLine, 500)];
    const applyKeys = async (next: typeof keys): Promise<void> => {
      const same = state.keys && state.keys.current === next.current && state.keys.previous === next.previous && JSON.stringify(state.keys.jwt ?? []) === JSON.stringify(next.jwt ?? []);
      state.keys = next;
      stateFile.save(state);
      if (!same) await nginx.reload({ keys: next });
    };
    const link = new OriginLink({
      origin,
      token,
      logger: logger.child({ service: 'origin-link' }),
      hello: () => ({ id: state.id, url: publicUrl, region, version: STUDIO_VERSION, heartbeatMs, lastSeq: state.lastSeq }),
      stats: () => core.stats(),
      downloads: podcastLog,
      onWelcome: async (seq, next) => {
        if (state.lastSeq === null) state.lastSeq = seq;
        await applyKeys(next);
      },
      onKeys: applyKeys,
      onPurge: (seq, request) => core.applyPurge(seq, request),
      onFunctions: async (functions) => {
        // Against what nginx runs (it may have refused the kept set at start), not what was kept.
        const same = JSON.stringify(nginx.functions) === JSON.stringify(functions);
        // Tested and applied first (a set nginx refuses leaves the running one, and is not kept).
        if (!same) await nginx.reload({ functions });
        state.functions = functions;
        stateFile.save(state);
      },
    });
    core.linkConnected = () => link.connected;
    // The first probe before the origin link: the first heartbeat already says whether nginx serves.
    await group.start([children, core, nginx, ...tails, prober, link]);
    process.stdout.write(`Streams edge ${state.id} serving ${publicUrl} (origin ${origin}, folder ${dir}, cache ${cacheDir})\n`);
  } catch (error) {
    await group.dispose();
    await children.dispose();
    logger.flush();
    throw error;
  }

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'edge stopping');
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      group.dispose().then(
        () => {
          logger.flush();
          resolve(0);
        },
        () => resolve(1),
      );
    };
    if (stopRequested) stop(stopRequested);
    else onStop = stop;
  });
}
