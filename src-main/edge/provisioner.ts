import crypto from 'node:crypto';
import type { ProvisionStep } from '../../src-shared/contract/cdn.js';
import {
  envFileText,
  ROLE_PACKAGES,
  roleLayout,
  runnerEnvFileText,
  isSupportedOs,
  missingPackages,
  NODE_PACKAGE,
  nodeIsRecent,
  parseOsRelease,
  sh,
  supervisorScript,
  unitFileText,
  type EdgeLayout,
  type EdgeSettings,
  type NodeRole,
  type RunnerSettings,
} from './provision-plan.js';
import type { ExecResult, RemoteShell } from './ssh-shell.js';
import { monotonicMs } from '../core/clock.js';

export type StepUpdate = Omit<ProvisionStep, 'at'>;

export interface ProvisionDeps {
  connect: () => Promise<RemoteShell>;
  onStep: (update: StepUpdate) => void;
  /** The agent bundle (dist/edge/streams-edge.mjs) and the systemd unit template. */
  bundle: () => Buffer;
  unitTemplate: () => string;
  /** Resolves true once the origin lists the edge as in rotation (healthy), or the runner of that name as connected. */
  waitRegistered: (edgeId: string, timeoutMs: number) => Promise<boolean>;
  /** What the machine runs (default: an edge). */
  role?: NodeRole;
  /** Prefix of every path on the server (tests install under a temporary folder). */
  root?: string;
  healthTimeoutMs?: number;
}

class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ProvisionOutcome {
  ok: boolean;
  edgeId: string | null;
  failedStep: string | null;
  error: string | null;
}

/**
 * Installs (or upgrades: every step is idempotent, a re-run replaces what changed) an edge or a
 * runner on a Debian/Ubuntu server, step by step, reporting each; stops at the first failed step and names it.
 */
export class EdgeProvisioner {
  private readonly layout: EdgeLayout;
  private readonly role: NodeRole;
  private shell: RemoteShell | null = null;

  constructor(private readonly deps: ProvisionDeps) {
    this.role = deps.role ?? 'edge';
    this.layout = roleLayout(this.role, deps.root ?? '');
  }

  private async step<T>(id: string, title: string, run: (log: (line: string) => void) => Promise<T | 'skipped'>): Promise<T | 'skipped'> {
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line.trimEnd());
    };
    this.deps.onStep({ id, title, status: 'running', message: '', log: '' });
    try {
      const result = await run(log);
      this.deps.onStep({ id, title, status: result === 'skipped' ? 'skipped' : 'done', message: lines.at(-1) ?? '', log: lines.join('\n') });
      return result;
    } catch (error) {
      const message = (error as Error).message;
      log(message);
      this.deps.onStep({ id, title, status: 'failed', message, log: lines.join('\n') });
      throw new StepFailed(id, message);
    }
  }

  private async run(command: string, log: (line: string) => void, allowFail = false): Promise<ExecResult> {
    const result = await this.shell!.exec(command);
    log(`$ ${command.length > 200 ? `${command.slice(0, 200)}…` : command}`);
    if (result.stdout.trim()) log(result.stdout.trim().split('\n').slice(-20).join('\n'));
    if (result.stderr.trim()) log(result.stderr.trim().split('\n').slice(-20).join('\n'));
    if (result.code !== 0 && !allowFail) throw new Error(`exit ${result.code}: ${(result.stderr || result.stdout).trim().split('\n').at(-1) ?? ''}`);
    return result;
  }

  /** Connects (the first step), runs `steps` and turns a failed step into the outcome; always disconnects. */
  private async session(steps: () => Promise<string | null>): Promise<ProvisionOutcome> {
    try {
      await this.step('connect', 'Connect over SSH', async (log) => {
        this.shell = await this.deps.connect();
        log('connected');
      });
      return { ok: true, edgeId: await steps(), failedStep: null, error: null };
    } catch (error) {
      const failed = error instanceof StepFailed ? error : new StepFailed('unknown', (error as Error).message);
      return { ok: false, edgeId: null, failedStep: failed.step, error: failed.message };
    } finally {
      this.shell?.close();
    }
  }

  async provision(settings: EdgeSettings): Promise<ProvisionOutcome> {
    const L = this.layout;
    return this.session(async () => {
      const nodePath = await this.install(() => envFileText(settings, this.layout), `origin ${settings.origin}, port ${settings.port}`);
      const edgeId = await this.step('health', 'Check health', async (log) => {
        const url = `http://127.0.0.1:${settings.port}/edge/health`;
        const probe = `${sh(nodePath)} -e ${sh(`fetch(${JSON.stringify(url)}).then(async r=>{const t=await r.text();console.log(t);process.exit(r.ok?0:1)},()=>process.exit(1))`)}`;
        const deadline = monotonicMs() + (this.deps.healthTimeoutMs ?? 30_000);
        let last: string;
        for (;;) {
          const result = await this.shell!.exec(probe);
          last = result.stdout.trim();
          if (result.code === 0) {
            const health = JSON.parse(result.stdout) as { id: string; nginx: boolean };
            log(`edge ${health.id} answers on port ${settings.port}`);
            return health.id;
          }
          if (monotonicMs() > deadline) {
            const tail = await this.run(`tail -n 5 ${sh(`${L.dataDir}/supervisor.log`)} ${sh(`${L.dataDir}/error.log`)} 2>/dev/null`, log, true);
            // A 503 says why (nginx down, or the data-plane probe failing and its reason).
            throw new Error(`no healthy answer from ${url}${last ? `: ${last.slice(0, 300)}` : ''} ${tail.stdout ? '(see the log)' : ''}`);
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      });
      await this.step('register', 'Register with the origin', async (log) => {
        if (!edgeId || !(await this.deps.waitRegistered(edgeId, 30_000))) {
          throw new Error('the edge is not in rotation at the origin (check the origin URL and token; GET /api/v1/cdn/edges says why)');
        }
        log(`edge ${edgeId} is in rotation`);
      });
      return edgeId;
    });
  }

  /** The steps an edge and a runner share: OS, packages, the bundle, its environment file, the service. Returns node's path. */
  private async install(envText: () => string, about: string): Promise<string> {
    const L = this.layout;
    const packages = ROLE_PACKAGES[this.role];
    const service = `streams-${this.role}`;
    await this.step('detect-os', 'Detect the operating system', async (log) => {
      const os = parseOsRelease((await this.run('cat /etc/os-release', () => undefined)).stdout);
      if (!isSupportedOs(os)) throw new Error(`${os.prettyName} is not supported (Debian or Ubuntu only)`);
      log(os.prettyName);
    });
    const nodePath = await this.step('packages', this.role === 'edge' ? 'Install nginx, its modules and Node' : 'Install ffmpeg and Node', async (log) => {
      const dpkg = await this.run(`dpkg-query -W -f='\${Package} \${Status}\\n' ${packages.join(' ')} 2>/dev/null`, () => undefined, true);
      const missing = missingPackages(dpkg.stdout, packages);
      const node = await this.run('command -v node && node --version', () => undefined, true);
      const [nodeBin = '', version = ''] = node.stdout.trim().split('\n');
      if (!nodeIsRecent(version)) missing.push(NODE_PACKAGE);
      if (missing.length === 0) {
        log(`already installed (node ${version.trim()})`);
        return nodeBin.trim();
      }
      await this.run(`mkdir -p ${sh(L.confDir)}`, log);
      await this.run(
        `apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing.join(' ')} && printf '%s\\n' ${missing.join(' ')} >> ${sh(L.installedList)}`,
        log,
      );
      const installed = (await this.run('command -v node && node --version', () => undefined, true)).stdout.trim().split('\n');
      if (!nodeIsRecent(installed[1] ?? '')) throw new Error(`the OS packages give Node ${installed[1] ?? 'none'}; the agent needs 20 or newer`);
      log(`installed ${missing.join(', ')}`);
      return installed[0]!.trim();
    });
    await this.step('upload', 'Upload the agent', async (log) => {
      const bundle = this.deps.bundle();
      const digest = crypto.createHash('sha256').update(bundle).digest('hex');
      await this.run(`mkdir -p ${sh(L.installDir)} ${sh(L.confDir)} ${sh(L.dataDir)}`, () => undefined);
      const remote = await this.run(`sha256sum ${sh(L.bundle)} 2>/dev/null`, () => undefined, true);
      if (remote.stdout.startsWith(digest)) {
        log('the agent is up to date');
        return 'skipped';
      }
      await this.shell!.upload(bundle, L.bundle, 0o644);
      log(`uploaded ${(bundle.length / 1024).toFixed(0)} KiB (sha256 ${digest.slice(0, 12)})`);
      return undefined;
    });
    await this.step('configure', 'Write the configuration', async (log) => {
      await this.shell!.upload(envText(), L.envFile, 0o600);
      log(`${L.envFile} (${about})`);
    });
    await this.step('service', 'Install and start the service', async (log) => {
      const systemd = (await this.run('test -d /run/systemd/system && command -v systemctl', () => undefined, true)).code === 0;
      if (systemd && !this.deps.root) {
        await this.shell!.upload(unitFileText(this.deps.unitTemplate(), L, nodePath), L.unitFile, 0o644);
        await this.run(`systemctl daemon-reload && systemctl enable ${service} && systemctl restart ${service}`, log);
        log(`systemd unit ${service} enabled and (re)started`);
        return;
      }
      await this.shell!.upload(supervisorScript(L, nodePath, this.role), L.supervisor, 0o755);
      await this.run(this.stopSupervisorCommand(), () => undefined, true);
      await this.run(`setsid nohup sh ${sh(L.supervisor)} > ${sh(`${L.dataDir}/supervisor.log`)} 2>&1 < /dev/null & echo $! > ${sh(L.supervisorPid)}`, log);
      log('no systemd: started under a supervising restart loop');
    });
    return nodePath as string;
  }

  /** `token` is asked for when the configuration is written (a job that fails before makes none). */
  async provisionRunner(settings: Omit<RunnerSettings, 'token'> & { token: string | (() => string) }): Promise<ProvisionOutcome> {
    const token = settings.token;
    return this.session(async () => {
      await this.install(() => runnerEnvFileText({ ...settings, token: typeof token === 'string' ? token : token() }, this.layout), `origin ${settings.origin}, ${settings.slots} slot${settings.slots === 1 ? '' : 's'}`);
      await this.step('register', 'Register with the origin', async (log) => {
        // Connected at the origin, or refused by it: the runner says why in its log (a token, a version, a clock).
        const deadline = monotonicMs() + (this.deps.healthTimeoutMs ?? 60_000);
        const supervisorLog = sh(`${this.layout.dataDir}/supervisor.log`);
        for (;;) {
          if (await this.deps.waitRegistered(settings.name, 1000)) break;
          const refused = (await this.run(`grep -h 'refused by the origin' ${supervisorLog} 2>/dev/null | tail -n 1`, () => undefined, true)).stdout.trim();
          if (refused) throw new Error(`the runner did not connect: ${refused.replace(/^streams runner: /, '')}`);
          if (monotonicMs() > deadline) {
            const tail = await this.run(`tail -n 5 ${supervisorLog} ${sh(`${this.layout.dataDir}/runner.log`)} 2>/dev/null`, log, true);
            throw new Error(`the runner did not connect to the origin (check the origin URL, and that the token has runners:write)${tail.stdout ? ' (see the log)' : ''}`);
          }
        }
        log(`runner ${settings.name} is connected`);
      });
      return settings.name;
    });
  }

  private stopSupervisorCommand(): string {
    const pid = sh(this.layout.supervisorPid);
    return `if [ -f ${pid} ]; then kill -TERM -- -$(cat ${pid}) 2>/dev/null; for i in $(seq 1 50); do kill -0 $(cat ${pid}) 2>/dev/null || break; sleep 0.2; done; rm -f ${pid}; fi`;
  }

  /** Stops the edge and removes everything provisioning installed (packages only if it installed them). */
  async decommission(): Promise<ProvisionOutcome> {
    const L = this.layout;
    return this.session(async () => {
      await this.step('stop', 'Stop the service', async (log) => {
        if (!this.deps.root) await this.run(`systemctl disable --now streams-${this.role} 2>/dev/null; true`, log, true);
        await this.run(this.stopSupervisorCommand(), log, true);
        // The agent stops its nginx on SIGTERM; wait until that nginx is gone.
        // `[n]` keeps the pattern from matching this very shell's command line.
        await this.run(`for i in $(seq 1 50); do pgrep -f ${sh(`[n]ginx: master process .*${L.dataDir}`)} >/dev/null || break; sleep 0.2; done`, log, true);
        log('stopped');
      });
      await this.step('packages', 'Remove the packages it installed', async (log) => {
        const list = await this.run(`cat ${sh(L.installedList)} 2>/dev/null`, () => undefined, true);
        const packages = [...new Set(list.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[a-z0-9.+-]+$/.test(l)))];
        if (packages.length === 0) {
          log('none were installed by provisioning');
          return 'skipped';
        }
        await this.run(`DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ${packages.join(' ')}`, log);
        return undefined;
      });
      await this.step('remove-files', 'Remove files', async (log) => {
        await this.run(`rm -rf ${sh(L.installDir)} ${sh(L.confDir)} ${sh(L.dataDir)} ${sh(L.unitFile)}`, log);
        if (!this.deps.root) await this.run('systemctl daemon-reload 2>/dev/null; true', log, true);
      });
      return null;
    });
  }
}
