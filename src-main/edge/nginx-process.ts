import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { stopChild, type ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { localAddressOf } from '../http/loopback.js';
import { waitForPort } from '../platform/net.js';
import { Supervisor, type RestartPolicy } from '../core/supervisor.js';
import { buildNginxConf, ERROR_LOG, NJS_FILE, TEMP_DIRS, type EdgeNginxOptions } from './nginx-conf.js';
import { NJS_SIGNING_SCRIPT } from './njs-signing.js';
import { explainNjsError, functionsModule, FUNCTIONS_NJS_FILE } from './njs-functions.js';
import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import { prepareAgentDir, prepareWorkerFolders, workerUser } from './worker-folders.js';
import { monotonicMs } from '../core/clock.js';

const MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/share/nginx/modules', '/usr/lib64/nginx/modules', '/etc/nginx/modules'];
const NGINX_BINS = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];
/** Restarts after a crash, for as long as the agent runs: 0.5 s, 1 s, 2 s ... up to 10 s; counted again from 0.5 s once it is up. */
const RESTART_POLICY: RestartPolicy = { maxFailures: Number.POSITIVE_INFINITY, stableMs: 0, backoff: { baseMs: 500, maxMs: 10_000, jitter: 0 } };
/** nginx closes its workers on SIGTERM: it may take longer than an ffmpeg. */
const STOP_GRACE_MS = 5000;

/** The folder holding nginx's dynamic modules, or null when the js and cache-purge modules are not found. */
export function findModulesDir(candidates: readonly string[] = MODULE_DIRS): string | null {
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'ngx_http_js_module.so')) && fs.existsSync(path.join(dir, 'ngx_http_cache_purge_module.so'))) return dir;
  }
  return null;
}

export function findNginx(candidates: readonly string[] = NGINX_BINS): string | null {
  for (const bin of candidates) if (fs.existsSync(bin)) return bin;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'nginx'))) return path.join(dir, 'nginx');
  }
  return null;
}

/** The worker processes of nginx master `pid` that still accept connections (Linux /proc; none found elsewhere). */
export function acceptingWorkers(pid: number): number[] {
  let children: string[];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
  return children.map(Number).filter((child) => {
    try {
      // A worker told to quit renames itself "worker process is shutting down" as it closes its listeners.
      return /worker process$/.test(fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0+$/, ''));
    } catch {
      return false;
    }
  });
}

/** A reload that has not taken effect after this long is reported (nginx logs why in error.log). */
const RELOAD_TIMEOUT_MS = 10_000;

/** The body of a GET on the control listener (on a new connection: a kept-alive one may belong to an old worker), or the error. */
function controlText(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.once('end', () => resolve(res.statusCode === 200 ? body : `status ${String(res.statusCode)}`));
      res.once('error', (error) => resolve(error.message));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (error) => resolve(error.message));
  });
}

/** Resolves once nginx's control server answers `generation` (the config written last is in force). */
export async function waitForGeneration(controlPort: number, generation: number, timeoutMs: number): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  for (;;) {
    const last = await controlText(controlPort, '/generation');
    if (last === String(generation)) return;
    if (monotonicMs() > deadline) throw new StudioError('UNAVAILABLE', `nginx did not apply its new config within ${timeoutMs} ms (generation ${last}, expected ${generation})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * nginx supervised by the agent: the config is written and tested before every (re)start and reload,
 * a crash restarts it with backoff, dispose stops it (the ChildRegistry kills its process group).
 */
export class NginxProcess implements Service {
  readonly name = 'nginx';
  private child: ChildProcess | null = null;
  private stopping = false;
  private readonly supervisor = new Supervisor(RESTART_POLICY);
  /** Set once nginx first came up: only then is an exit a crash to recover from. */
  private supervised = false;
  /** The workers' folders were handed over whole once (at start); reloads check the folders only. */
  private prepared = false;
  /** Of the config last written (see reload). */
  private generation = 0;

  constructor(
    private readonly deps: { children: ChildRegistry; logger: Logger; bin: string },
    private options: EdgeNginxOptions,
  ) {}

  get up(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The edge functions nginx runs now (none when it refused the set it started with). */
  get functions(): readonly EdgeFunctionSpec[] {
    return this.options.functions ?? [];
  }

  get confFile(): string {
    return path.join(this.options.dir, 'nginx.conf');
  }

  async start(): Promise<void> {
    try {
      await this.writeAndTest();
    } catch (error) {
      // Functions kept from the last run that this nginx refuses (its njs changed): the edge serves
      // without them; the origin sends the set again when the edge registers, and hears the refusal.
      if (!(error instanceof StudioError && error.code === 'FUNCTION_INVALID')) throw error;
      this.deps.logger.error({ err: error.message }, 'edge functions refused at start: serving without them');
      this.options = { ...this.options, functions: [] };
      await this.writeAndTest();
    }
    await this.launch();
  }

  /**
   * New options (e.g. rotated signing keys): tested, then applied by a graceful reload (SIGHUP), and
   * resolved once new workers answer (the control server reports the new generation): an edge says
   * it is registered (its first heartbeat follows its welcome) only once the origin's keys are in
   * force. Old workers may still take a connection for a few ms and close it on their way out; the
   * agent's control requests retry for that (agent.ts).
   */
  async reload(options: Partial<EdgeNginxOptions>): Promise<void> {
    const previous = this.options;
    this.options = { ...this.options, ...options };
    try {
      await this.writeAndTest();
    } catch (error) {
      this.options = previous;
      await this.writeAndTest();
      throw error;
    }
    if (!this.child?.pid) return;
    const master = this.child.pid;
    const old = acceptingWorkers(master);
    process.kill(master, 'SIGHUP');
    await waitForGeneration(this.options.controlPort, this.generation, RELOAD_TIMEOUT_MS);
    // Until the old workers got their quit signal they still accept connections: a request could run
    // the old config (an edge function the origin was just told is gone). Wait for them to stop.
    const deadline = monotonicMs() + RELOAD_TIMEOUT_MS;
    while (acceptingWorkers(master).some((pid) => old.includes(pid)) && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    this.supervisor.stop();
    if (this.child) await stopChild(this.child, { graceMs: STOP_GRACE_MS });
  }

  private async writeAndTest(): Promise<void> {
    const { dir, cacheDir } = this.options;
    prepareAgentDir(dir);
    const worker = workerUser();
    if (process.getuid?.() === 0) {
      this.options = { ...this.options, workerUser: { user: worker.user, group: worker.group } };
    }
    prepareWorkerFolders(
      [
        { path: cacheDir, field: '--cache-dir', label: 'cache folder' },
        ...TEMP_DIRS.map((sub) => ({ path: path.join(dir, sub), field: '--dir', label: 'temp folder' })),
      ],
      worker,
      { recursive: !this.prepared },
    );
    this.prepared = true;
    fs.writeFileSync(path.join(dir, NJS_FILE), NJS_SIGNING_SCRIPT);
    const functions = functionsModule(this.options.functions ?? []);
    if ((this.options.functions ?? []).length > 0) fs.writeFileSync(path.join(dir, FUNCTIONS_NJS_FILE), functions.text);
    this.generation += 1;
    this.options = { ...this.options, generation: this.generation };
    // The config holds the signing keys.
    fs.writeFileSync(this.confFile, buildNginxConf(this.options), { mode: 0o600 });
    const result = await this.deps.children.run(this.deps.bin, this.args(['-t']), { timeoutMs: 15_000 });
    if (result.code !== 0) {
      if (/edge-functions\.js/.test(result.stderr)) throw new StudioError('FUNCTION_INVALID', explainNjsError(result.stderr, functions.codeLines));
      throw new StudioError('CONFIG_INVALID', `nginx refused the edge config: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`);
    }
  }

  private args(extra: string[]): string[] {
    return ['-p', this.options.dir, '-c', this.confFile, '-e', path.join(this.options.dir, ERROR_LOG), ...extra];
  }

  private async launch(): Promise<void> {
    // With the agent killed outright, nginx gets TERM (not KILL): its master then stops the workers,
    // which a KILLed master leaves serving, orphaned: with the files of the playlist tier frozen
    // (measured: kill -9 of the agent left worker, cache manager and loader running, answering 200).
    const child = this.deps.children.spawn(this.deps.bin, this.args([]), { stdio: ['ignore', 'ignore', 'pipe'], deathSignal: 'TERM' });
    this.child = child;
    this.supervisor.starting();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child || !this.supervised) return;
      this.child = null;
      const decision = this.supervisor.failed(() => {
        this.launch().catch((error: unknown) => this.deps.logger.error({ err: error }, 'nginx restart failed'));
      });
      const delay = decision.action === 'restart' ? decision.delayMs : null;
      this.deps.logger.error({ code, signal, stderr: stderr.slice(-500), delay }, 'nginx exited; restarting');
    });
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const onExit = (code: number | null): void => {
        if (settled) return;
        settled = true;
        reject(new StudioError('UNAVAILABLE', `nginx exited with ${String(code)}: ${stderr.trim()}`));
      };
      child.once('exit', onExit);
      waitForPort(this.options.port, localAddressOf(this.options.bind), 15_000).then(
        () => {
          if (settled) return;
          settled = true;
          child.off('exit', onExit);
          resolve();
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          reject(error as Error);
        },
      );
    });
    this.supervised = true;
    this.supervisor.running();
  }
}
