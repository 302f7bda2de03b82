import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StudioConfig } from '../../src-shared/config.js';
import type { ProvisionJob } from '../../src-shared/contract/cdn.js';
import type { ScalingDecision, ScalingMember, ScalingStatus } from '../../src-shared/contract/runners.js';
import type { AuditPort } from '../auth/types.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import { withTimeout } from '../core/timeout.js';
import type { SshInput } from '../cdn/provision-jobs.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { decideScale, parseProviderMachine, parseSshPool, type ScaleDecision, type ScalingPolicy } from './autoscale.js';
import type { RunnerPool } from './pool.js';

/** A member with what the status does not show: its SSH root, and when its work last ended. */
interface Member extends ScalingMember {
  /** Where it is reached over SSH (target says the same in words). */
  ssh: { user: string; host: string; port: number };
  root: string;
  /** The runners:write token made for it (deleted once it is removed); null: none of its own. */
  tokenId?: string | null;
  idleSince: number | null;
  /** A removal that failed is tried again after this (unix ms). */
  retryAt: number | null;
}

export interface ProviderRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface AutoscalerDeps {
  config: () => StudioConfig['scaling'];
  pool: Pick<RunnerPool, 'load' | 'setDraining' | 'workOf' | 'idOf'>;
  /** Jobs in the queue a runner could take, and how long the oldest has waited. */
  queue: () => { waiting: number; oldestWaitMs: number };
  provision: (input: SshInput & { origin: string; token: () => string; name: string; slots: number }) => ProvisionJob;
  decommission: (input: SshInput & { runnerId?: string }) => ProvisionJob;
  /** Resolves when provisioning job `id` has ended. */
  finished: (id: string) => Promise<ProvisionJob>;
  /** How a runner reaches this host; a new runners:write token for runner `name` (its id: null when it is not one of its own), and deleting it. */
  origin: () => string;
  token: (name: string) => { token: string; id: string | null };
  deleteToken: (id: string) => void;
  /** Runs the provider command with `args` (create/destroy). */
  runProvider: (command: string, args: string[], timeoutMs: number) => Promise<ProviderRun>;
  /** Where its members are kept across restarts. */
  stateFile: string;
  onChange: (status: ScalingStatus) => void;
  audit?: Pick<AuditPort, 'record'>;
  logger: Logger;
  tickMs?: number;
  now?: () => number;
}

const DECISIONS_KEPT = 50;
const BACKOFF_BASE_MS = 30_000;
const BACKOFF_MAX_MS = 10 * 60_000;
const PROVISION_TIMEOUT_MS = 15 * 60_000;
const noEnd = (): Error => new Error(`no end within ${PROVISION_TIMEOUT_MS / 60_000} min`);

/**
 * The runners autoscaler: every tick it reads the queue and the pool, decides (autoscale.ts, pure),
 * and acts: a machine from the SSH pool (scaling.sshHosts) or from the provider command, a runner
 * provisioned on it over SSH with a runners:write token; removal drains the runner (no new work), waits
 * for its work to end, decommissions it and gives the machine back (the provider's destroy). One
 * action at a time. A failure to add backs off (30 s doubling to 10 min) and says so: a `failed`
 * decision, an error in the log and an audit entry. Every decision is a `scaling.changed` event and an
 * audit entry with its reason.
 */
export class RunnerAutoscaler implements Service {
  readonly name = 'runner-autoscaler';
  private members: Member[] = [];
  private readonly decisions: ScalingDecision[] = [];
  private readonly samples: ScalingStatus['samples'] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastActionAt: number | null = null;
  private backoffUntil: number | null = null;
  private failures = 0;
  private acting = false;
  private lastReason = '';
  private lastSignature = '';
  private readonly now: () => number;

  constructor(private readonly d: AutoscalerDeps) {
    this.now = d.now ?? Date.now;
  }

  start(): void {
    try {
      const kept = JSON.parse(fs.readFileSync(this.d.stateFile, 'utf8')) as Member[];
      if (Array.isArray(kept)) this.members = kept.map((m) => ({ ...m, idleSince: null, retryAt: null }));
    } catch {
      // None kept yet.
    }
    // A machine left provisioning by a stop is not known to work: drain and remove it like an idle one.
    for (const m of this.members) if (m.state === 'provisioning') m.state = 'draining';
    for (const m of this.members) if (m.state === 'draining' || m.state === 'removing') this.d.pool.setDraining(m.name, true);
    this.timer = setInterval(() => void this.tick(), this.d.tickMs ?? 5000);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
  }

  status(): ScalingStatus {
    const p = this.d.config();
    return {
      ...this.policy(),
      poolSize: parseSshPool(p.sshHosts).length,
      provider: p.providerCommand.trim() !== '',
      backoffUntil: this.backoffUntil !== null && this.backoffUntil > this.now() ? this.backoffUntil : null,
      lastReason: this.lastReason,
      members: this.members.map(({ ssh: _ssh, root: _root, idleSince: _idle, retryAt: _retry, tokenId: _token, ...m }) => m),
      decisions: [...this.decisions],
      samples: [...this.samples],
    };
  }

  private policy(): ScalingPolicy {
    const p = this.d.config();
    return { enabled: p.runners, min: p.runnersMin, max: p.runnersMax, queueWaitSeconds: p.queueWaitSeconds, idleSeconds: p.idleSeconds, cooldownSeconds: p.cooldownSeconds };
  }

  /** One look and at most one action; exported for tests through tickNow(). */
  async tick(): Promise<ScaleDecision | undefined> {
    if (this.acting) return undefined;
    const now = this.now();
    for (const m of this.members) {
      if (m.state !== 'ready') continue;
      const work = this.d.pool.workOf(m.name);
      m.runnerId = this.d.pool.idOf(m.name) ?? m.runnerId;
      if (work === undefined || work > 0) m.idleSince = work === undefined ? m.idleSince : null;
      else m.idleSince ??= now;
    }
    const load = this.d.pool.load();
    const queue = this.d.queue();
    this.samples.push({ at: now, runners: load.runners, slots: load.slots, busy: load.busy, waiting: queue.waiting });
    while (this.samples.length > 0 && this.samples[0]!.at < now - 3_600_000) this.samples.shift();

    // Draining runners whose work has ended are removed first.
    const drained = this.members.find((m) => m.state === 'draining' && !this.d.pool.workOf(m.name) && (m.retryAt === null || m.retryAt <= now));
    if (drained) {
      await this.act(() => this.decommission(drained));
      return undefined;
    }
    const decision = decideScale({
      policy: this.policy(),
      now,
      connected: load.runners,
      freeSlots: load.slots - load.busy,
      waiting: queue.waiting,
      oldestWaitMs: queue.oldestWaitMs,
      members: this.members.map((m) => ({ id: m.id, name: m.name, state: m.state, since: m.since, idleMs: m.idleSince === null ? null : now - m.idleSince })),
      lastActionAt: this.lastActionAt,
      backoffUntil: this.backoffUntil,
    });
    // A new reason or a new policy (config scaling.*) is news; the same look again is not.
    const config = this.d.config();
    const signature = JSON.stringify([decision.reason, config]);
    const changed = signature !== this.lastSignature;
    this.lastSignature = signature;
    this.lastReason = decision.reason;
    if (decision.action === 'add') await this.act(() => this.add(decision.reason));
    else if (decision.action === 'remove') await this.act(() => this.drain(decision.member, decision.reason));
    else if (changed) this.emit();
    return decision;
  }

  private async act(action: () => Promise<void>): Promise<void> {
    this.acting = true;
    try {
      await action();
    } catch (error) {
      this.d.logger.error({ err: error }, 'autoscaler action failed');
    } finally {
      this.acting = false;
    }
  }

  private async add(reason: string): Promise<void> {
    const config = this.d.config();
    const name = `auto-${crypto.randomBytes(3).toString('hex')}`;
    this.lastActionAt = this.now();
    this.decide({ action: 'add', member: name, reason });
    let machine: { source: 'pool' | 'provider'; target: string; user: string; host: string; port: number; root: string; providerId: string | null };
    try {
      machine = await this.machine(name, config);
    } catch (error) {
      this.failed(name, `no machine: ${(error as Error).message}`);
      return;
    }
    let privateKey: string;
    try {
      privateKey = fs.readFileSync(config.sshKeyFile, 'utf8');
    } catch (error) {
      await this.giveBack(machine.source, machine.providerId);
      this.failed(name, config.sshKeyFile ? `the SSH key ${config.sshKeyFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` : 'no SSH key: set scaling.sshKeyFile');
      return;
    }
    const member: Member = {
      id: `mem_${crypto.randomBytes(6).toString('hex')}`,
      name,
      source: machine.source,
      target: machine.target,
      providerId: machine.providerId,
      state: 'provisioning',
      runnerId: null,
      since: this.now(),
      ssh: { user: machine.user, host: machine.host, port: machine.port },
      root: machine.root,
      idleSince: null,
      retryAt: null,
    };
    this.members.push(member);
    this.save();
    this.emit();
    const job = this.d.provision({
      host: machine.host,
      sshPort: machine.port,
      user: machine.user,
      privateKey,
      root: machine.root,
      origin: this.d.origin(),
      // Made only when provisioning writes the runner's configuration (a failure before makes none).
      token: () => {
        const made = this.d.token(name);
        member.tokenId = made.id;
        this.save();
        return made.token;
      },
      name,
      slots: config.runnerSlots,
    });
    // Provisioning runs on: the next ticks see the member provisioning (and add nothing more meanwhile).
    void withTimeout(this.d.finished(job.id), PROVISION_TIMEOUT_MS, noEnd).then(
      (ended) => {
        if (ended.state === 'done') {
          member.state = 'ready';
          member.since = this.now();
          member.runnerId = this.d.pool.idOf(name) ?? null;
          this.failures = 0;
          this.backoffUntil = null;
          this.save();
          this.decide({ action: 'ready', member: name, reason: `runner ${name} connected from ${machine.target}` });
        } else {
          void this.discard(member, `provisioning ${machine.target} failed${ended.failedStep ? ` at ${ended.failedStep}` : ''}: ${ended.error ?? 'no reason given'}`);
        }
      },
      (error: unknown) => void this.discard(member, `provisioning ${machine.target} did not end: ${(error as Error).message}`),
    );
  }

  /** A machine for a new runner: the first of the SSH pool no member uses, else one the provider creates. */
  private async machine(name: string, config: StudioConfig['scaling']) {
    const used = new Set(this.members.map((m) => m.target));
    const free = parseSshPool(config.sshHosts).find((h) => !used.has(h.target));
    if (free) return { source: 'pool' as const, ...free, root: '/', providerId: null };
    const command = config.providerCommand.trim();
    if (!command) throw new Error('the SSH pool is used up and no provider command is set (scaling.providerCommand)');
    const run = await this.d.runProvider(command, ['create', 'runner', name], config.providerTimeoutSeconds * 1000);
    if (run.code !== 0) throw new Error(`the provider's create exited ${run.code ?? 'on a signal'}: ${lastLine(run.stderr) || lastLine(run.stdout) || 'no message'}`);
    const m = parseProviderMachine(run.stdout);
    return { source: 'provider' as const, target: `${m.user}@${m.host}:${m.port}`, user: m.user, host: m.host, port: m.port, root: m.root, providerId: m.id };
  }

  /** A member that never became a runner: its machine given back, its token deleted, the failure said, the backoff grown. */
  private async discard(member: Member, why: string): Promise<void> {
    this.members = this.members.filter((m) => m !== member);
    this.forgetToken(member);
    this.save();
    await this.giveBack(member.source, member.providerId);
    this.failed(member.name, why);
  }

  private failed(name: string, why: string): void {
    this.failures += 1;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.failures - 1));
    this.backoffUntil = this.now() + backoff;
    this.d.logger.error({ runner: name, reason: why, retryInMs: backoff }, 'the autoscaler could not add a runner');
    this.decide({ action: 'failed', member: name, reason: `${why}; next try in ${Math.round(backoff / 1000)} s` });
  }

  private async giveBack(source: 'pool' | 'provider', providerId: string | null): Promise<void> {
    if (source !== 'provider' || !providerId) return;
    const config = this.d.config();
    const run = await this.d.runProvider(config.providerCommand.trim(), ['destroy', providerId], config.providerTimeoutSeconds * 1000).catch((error: Error) => ({ code: null, stdout: '', stderr: error.message }));
    if (run.code !== 0) this.d.logger.error({ providerId, stderr: run.stderr.slice(-500) }, "the provider's destroy failed: the machine may still exist");
  }

  private async drain(memberId: string, reason: string): Promise<void> {
    const member = this.members.find((m) => m.id === memberId);
    if (!member) return;
    this.lastActionAt = this.now();
    member.state = 'draining';
    member.since = this.now();
    this.d.pool.setDraining(member.name, true);
    this.save();
    this.decide({ action: 'remove', member: member.name, reason });
  }

  private async decommission(member: Member): Promise<void> {
    member.state = 'removing';
    member.since = this.now();
    this.save();
    this.emit();
    const { user, host, port } = member.ssh;
    let ended: ProvisionJob;
    try {
      const privateKey = fs.readFileSync(this.d.config().sshKeyFile, 'utf8');
      const runnerId = this.d.pool.idOf(member.name);
      const job = this.d.decommission({ host, sshPort: port, user, privateKey, root: member.root, ...(runnerId ? { runnerId } : {}) });
      ended = await withTimeout(this.d.finished(job.id), PROVISION_TIMEOUT_MS, noEnd);
    } catch (error) {
      ended = { state: 'failed', error: (error as Error).message, failedStep: null } as ProvisionJob;
    }
    if (ended.state !== 'done') {
      member.state = 'draining';
      member.retryAt = this.now() + BACKOFF_BASE_MS;
      this.save();
      this.d.logger.error({ runner: member.name, error: ended.error }, 'decommissioning a runner failed: trying again');
      this.decide({ action: 'failed', member: member.name, reason: `decommissioning ${member.target} failed${ended.failedStep ? ` at ${ended.failedStep}` : ''}: ${ended.error ?? 'no reason given'}; trying again in ${BACKOFF_BASE_MS / 1000} s` });
      return;
    }
    await this.giveBack(member.source, member.providerId);
    this.members = this.members.filter((m) => m !== member);
    this.forgetToken(member);
    this.d.pool.setDraining(member.name, false);
    this.save();
    this.decide({ action: 'removed', member: member.name, reason: `${member.name} decommissioned${member.source === 'provider' ? ' and its machine destroyed' : ` (${member.target} back in the pool)`}` });
  }

  private forgetToken(member: Member): void {
    if (!member.tokenId) return;
    try {
      this.d.deleteToken(member.tokenId);
    } catch (error) {
      this.d.logger.warn({ err: error, runner: member.name }, "could not delete the runner's token");
    }
  }

  private decide(decision: Omit<ScalingDecision, 'at'>): void {
    const entry: ScalingDecision = { at: this.now(), ...decision };
    this.decisions.unshift(entry);
    this.decisions.length = Math.min(this.decisions.length, DECISIONS_KEPT);
    this.d.logger.info({ action: entry.action, runner: entry.member, reason: entry.reason }, 'autoscaler decision');
    this.d.audit?.record({ actor: 'system', action: `scaling.${entry.action}`, target: entry.member ?? 'runners', ip: null, result: entry.action === 'failed' ? 'failed' : 'ok', detail: entry.reason });
    this.emit();
  }

  /** The event leaves the samples out (an hour of them, every few seconds): GET /scaling has them. */
  private emit(): void {
    this.d.onChange({ ...this.status(), samples: [] });
  }

  private save(): void {
    try {
      fs.mkdirSync(path.dirname(this.d.stateFile), { recursive: true });
      writeFileAtomicSync(this.d.stateFile, JSON.stringify(this.members.map(({ idleSince: _i, retryAt: _r, ...m }) => m)));
    } catch (error) {
      this.d.logger.warn({ err: error }, 'could not keep the autoscaler members');
    }
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
}
