import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StudioConfig } from '../../src-shared/config.js';
import type { EdgeInfo, ProvisionJob } from '../../src-shared/contract/cdn.js';
import type { ScalingDecision, ScalingMember, ScalingStatus } from '../../src-shared/contract/runners.js';
import type { AuditPort } from '../auth/types.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import { withTimeout } from '../core/timeout.js';
import type { SshInput } from '../cdn/provision-jobs.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { decideEdgeScale, decideScale, edgeDrained, edgeFleetLoad, parseProviderMachine, parseSshPool, type EdgePolicy, type ScaleDecision, type ScalingPolicy } from './autoscale.js';
import type { RunnerPool } from './pool.js';

type Role = ScalingMember['role'];

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

/** What the edges' scaling uses of the fleet: the registry's list, its drain, and provisioning over SSH. */
export interface AutoscalerEdges {
  list: () => EdgeInfo[];
  /** Drains edge `id` for the scaler (no new viewers) until released or removed. */
  drain: (id: string) => { release(): void };
  provision: (input: SshInput & { port: number; region: string; origin: string; cacheSize: string }) => ProvisionJob;
  decommission: (input: SshInput & { edgeId?: string }) => ProvisionJob;
}

export interface AutoscalerDeps {
  config: () => StudioConfig['scaling'];
  /** The edges (absent: the scaler adds runners only). */
  edges?: AutoscalerEdges;
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

/** What the scaler keeps per role: its last action, the backoff after failures, its last look. */
interface RoleState {
  lastActionAt: number | null;
  backoffUntil: number | null;
  failures: number;
  lastReason: string;
  lastSignature: string;
}

/**
 * The autoscaler of runners and edges: every tick it reads the job queue and the runners' pool, and
 * the edges' traffic, decides for each role (autoscale.ts, pure), and acts: a machine from the SSH
 * pool (scaling.sshHosts) or from the provider command, a runner (with a runners:write token) or an
 * edge provisioned on it over SSH. Removal drains first: a runner takes no new work and its work
 * ends; an edge leaves the playback order, its players move to the others (they ask the order again
 * and leave an edge no longer in it), and it goes once its last minute's requests are a trickle (or
 * after scaling.edgeDrainSeconds); then it is decommissioned and its machine given back (the
 * provider's destroy). One action at a time per role. A failure to add backs off (30 s doubling to
 * 10 min) and says so: a `failed` decision, an error in the log and an audit entry. Every decision is
 * a `scaling.changed` event and an audit entry with its reason.
 */
export class Autoscaler implements Service {
  readonly name = 'autoscaler';
  private members: Member[] = [];
  private readonly decisions: ScalingDecision[] = [];
  private readonly samples: ScalingStatus['samples'] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly roles: Record<Role, RoleState> = { runner: newRole(), edge: newRole() };
  /** The drain each removed edge is held under (released if an operator puts it back). */
  private readonly edgeDrains = new Map<string, { release(): void }>();
  private acting = false;
  private readonly now: () => number;

  constructor(private readonly d: AutoscalerDeps) {
    this.now = d.now ?? Date.now;
  }

  start(): void {
    try {
      const kept = JSON.parse(fs.readFileSync(this.d.stateFile, 'utf8')) as (Omit<Member, 'role' | 'edgeId'> & Partial<Pick<Member, 'role' | 'edgeId'>>)[];
      // Members kept before edges were scaled are runners.
      if (Array.isArray(kept)) this.members = kept.map((m) => ({ ...m, role: m.role ?? 'runner', edgeId: m.edgeId ?? null, idleSince: null, retryAt: null }));
    } catch {
      // None kept yet.
    }
    // A machine left provisioning by a stop is not known to work: drain and remove it like an idle one.
    for (const m of this.members) if (m.state === 'provisioning') m.state = 'draining';
    for (const m of this.members) if (m.state === 'draining' || m.state === 'removing') this.holdDrain(m);
    this.timer = setInterval(() => void this.tick(), this.d.tickMs ?? 5000);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
  }

  status(): ScalingStatus {
    const p = this.d.config();
    const edges = this.edgePolicy();
    const backoff = (role: Role): number | null => {
      const until = this.roles[role].backoffUntil;
      return until !== null && until > this.now() ? until : null;
    };
    return {
      ...this.policy(),
      poolSize: parseSshPool(p.sshHosts).length,
      provider: p.providerCommand.trim() !== '',
      backoffUntil: backoff('runner'),
      lastReason: this.roles.runner.lastReason,
      edges: { enabled: edges.enabled, min: edges.min, max: edges.max, targetMbps: p.edgeTargetMbps, drainSeconds: edges.drainSeconds, backoffUntil: backoff('edge'), lastReason: this.roles.edge.lastReason },
      members: this.members.map(({ ssh: _ssh, root: _root, idleSince: _idle, retryAt: _retry, tokenId: _token, ...m }) => m),
      decisions: [...this.decisions],
      samples: [...this.samples],
    };
  }

  private policy(): ScalingPolicy {
    const p = this.d.config();
    return { enabled: p.runners, min: p.runnersMin, max: p.runnersMax, queueWaitSeconds: p.queueWaitSeconds, idleSeconds: p.idleSeconds, cooldownSeconds: p.cooldownSeconds };
  }

  private edgePolicy(): EdgePolicy {
    const p = this.d.config();
    return { enabled: p.edges && this.d.edges !== undefined, min: p.edgesMin, max: p.edgesMax, targetBps: (p.edgeTargetMbps * 1e6) / 8, drainSeconds: p.edgeDrainSeconds, cooldownSeconds: p.cooldownSeconds };
  }

  /** The edges as the scaler weighs them: traffic over the last minute, cores, rotation. */
  private scaleEdges(list: EdgeInfo[]) {
    return list.map((e) => ({ id: e.id, bps: e.stats ? e.stats.bytes / 60 : 0, cores: e.stats?.cores ?? 1, healthy: e.healthy, draining: e.draining !== null }));
  }

  /** One look and at most one action per role. */
  async tick(): Promise<void> {
    if (this.acting) return;
    const now = this.now();
    for (const m of this.members) {
      if (m.role !== 'runner' || m.state !== 'ready') continue;
      const work = this.d.pool.workOf(m.name);
      m.runnerId = this.d.pool.idOf(m.name) ?? m.runnerId;
      if (work === undefined || work > 0) m.idleSince = work === undefined ? m.idleSince : null;
      else m.idleSince ??= now;
    }
    const edgeList = this.d.edges?.list() ?? [];
    const edges = this.scaleEdges(edgeList);
    // An edge an operator put back for viewers while it drained is the scaler's again, not removed.
    for (const m of this.members) {
      const edge = m.role === 'edge' && m.state === 'draining' ? edgeList.find((e) => e.id === m.edgeId) : undefined;
      if (edge && edge.draining === null) {
        this.edgeDrains.delete(m.id);
        m.state = 'ready';
        m.since = now;
        // The operator's choice counts as the role's last action: the cooldown before the scaler drains one again.
        this.roles.edge.lastActionAt = now;
        this.save();
        this.decide({ role: 'edge', action: 'ready', member: m.name, reason: `${m.name} taken back into rotation by an operator while it drained` });
      }
    }
    const load = this.d.pool.load();
    const queue = this.d.queue();
    const fleet = edgeFleetLoad(edges);
    this.samples.push({ at: now, runners: load.runners, slots: load.slots, busy: load.busy, waiting: queue.waiting, edges: fleet.taking, edgeCores: fleet.cores, edgeMbps: Math.round((fleet.bps * 8) / 1e4) / 100 });
    while (this.samples.length > 0 && this.samples[0]!.at < now - 3_600_000) this.samples.shift();

    // Draining members whose work has ended are removed first: runners with no job left, edges their viewers left.
    const drainSeconds = this.d.config().edgeDrainSeconds;
    for (const m of this.members) {
      if (m.state !== 'draining' || (m.retryAt !== null && m.retryAt > now)) continue;
      if (m.role === 'runner' && !this.d.pool.workOf(m.name)) {
        await this.act(() => this.decommission(m, null));
        return;
      }
      if (m.role === 'edge') {
        const edge = edgeList.find((e) => e.id === m.edgeId);
        const why = edgeDrained(edge && { connected: edge.connected, requests: edge.stats?.requests ?? null }, now - m.since, drainSeconds);
        if (why) {
          await this.act(() => this.decommission(m, why));
          return;
        }
      }
    }
    await this.look('runner', () =>
      decideScale({
        policy: this.policy(),
        now,
        connected: load.runners,
        freeSlots: load.slots - load.busy,
        waiting: queue.waiting,
        oldestWaitMs: queue.oldestWaitMs,
        members: this.members.filter((m) => m.role === 'runner').map((m) => ({ id: m.id, name: m.name, state: m.state, since: m.since, idleMs: m.idleSince === null ? null : now - m.idleSince })),
        lastActionAt: this.roles.runner.lastActionAt,
        backoffUntil: this.roles.runner.backoffUntil,
      }),
    );
    await this.look('edge', () =>
      decideEdgeScale({
        policy: this.edgePolicy(),
        now,
        edges,
        members: this.members.filter((m) => m.role === 'edge'),
        lastActionAt: this.roles.edge.lastActionAt,
        backoffUntil: this.roles.edge.backoffUntil,
      }),
    );
  }

  /** One role's decision, acted on; a new reason or a new policy (config scaling.*) is news, the same look again is not. */
  private async look(role: Role, decide: () => ScaleDecision): Promise<void> {
    const state = this.roles[role];
    const decision = decide();
    const signature = JSON.stringify([decision.reason, this.d.config()]);
    const changed = signature !== state.lastSignature;
    state.lastSignature = signature;
    state.lastReason = decision.reason;
    if (decision.action === 'add') await this.act(() => this.add(role, decision.reason));
    else if (decision.action === 'remove') await this.act(() => this.drain(decision.member, decision.reason));
    else if (changed) this.emit();
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

  private async add(role: Role, reason: string): Promise<void> {
    const config = this.d.config();
    const name = `auto-${role === 'edge' ? 'edge-' : ''}${crypto.randomBytes(3).toString('hex')}`;
    this.roles[role].lastActionAt = this.now();
    this.decide({ role, action: 'add', member: name, reason });
    let machine: Awaited<ReturnType<Autoscaler['machine']>>;
    try {
      machine = await this.machine(role, name, config);
    } catch (error) {
      this.failed(role, name, `no machine: ${(error as Error).message}`);
      return;
    }
    let privateKey: string;
    try {
      privateKey = fs.readFileSync(config.sshKeyFile, 'utf8');
    } catch (error) {
      await this.giveBack(machine.source, machine.providerId);
      this.failed(role, name, config.sshKeyFile ? `the SSH key ${config.sshKeyFile} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` : 'no SSH key: set scaling.sshKeyFile');
      return;
    }
    const member: Member = {
      id: `mem_${crypto.randomBytes(6).toString('hex')}`,
      role,
      name,
      source: machine.source,
      target: machine.target,
      providerId: machine.providerId,
      state: 'provisioning',
      runnerId: null,
      edgeId: null,
      since: this.now(),
      ssh: { user: machine.user, host: machine.host, port: machine.port },
      root: machine.root,
      idleSince: null,
      retryAt: null,
    };
    this.members.push(member);
    this.save();
    this.emit();
    const ssh = { host: machine.host, sshPort: machine.port, user: machine.user, privateKey, root: machine.root };
    let job: ProvisionJob;
    try {
      job =
        role === 'edge'
          ? this.d.edges!.provision({ ...ssh, origin: this.d.origin(), port: machine.httpPort ?? config.edgePort, region: machine.region ?? config.edgeRegion, cacheSize: config.edgeCacheSize })
          : this.d.provision({
              ...ssh,
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
    } catch (error) {
      await this.discard(member, `provisioning ${machine.target} could not start: ${(error as Error).message}`);
      return;
    }
    // Provisioning runs on: the next ticks see the member provisioning (and add nothing more meanwhile).
    void withTimeout(this.d.finished(job.id), PROVISION_TIMEOUT_MS, noEnd).then(
      (ended) => {
        if (ended.state === 'done') {
          member.state = 'ready';
          member.since = this.now();
          if (role === 'runner') member.runnerId = this.d.pool.idOf(name) ?? null;
          else member.edgeId = ended.edgeId;
          Object.assign(this.roles[role], { failures: 0, backoffUntil: null });
          this.save();
          this.decide({
            role,
            action: 'ready',
            member: name,
            reason: role === 'runner' ? `runner ${name} connected from ${machine.target}` : `edge ${ended.edgeId ?? '?'} (${name}) in rotation from ${machine.target}`,
          });
        } else {
          void this.discard(member, `provisioning ${machine.target} failed${ended.failedStep ? ` at ${ended.failedStep}` : ''}: ${ended.error ?? 'no reason given'}`);
        }
      },
      (error: unknown) => void this.discard(member, `provisioning ${machine.target} did not end: ${(error as Error).message}`),
    );
  }

  /** A machine for a new runner or edge: the first of the SSH pool no member uses, else one the provider creates. */
  private async machine(role: Role, name: string, config: StudioConfig['scaling']) {
    const used = new Set(this.members.map((m) => m.target));
    const free = parseSshPool(config.sshHosts).find((h) => !used.has(h.target));
    if (free) return { source: 'pool' as const, ...free, root: '/', providerId: null, httpPort: null, region: null };
    const command = config.providerCommand.trim();
    if (!command) throw new Error('the SSH pool is used up and no provider command is set (scaling.providerCommand)');
    const run = await this.d.runProvider(command, ['create', role, name], config.providerTimeoutSeconds * 1000);
    if (run.code !== 0) throw new Error(`the provider's create exited ${run.code ?? 'on a signal'}: ${lastLine(run.stderr) || lastLine(run.stdout) || 'no message'}`);
    const m = parseProviderMachine(run.stdout);
    return { source: 'provider' as const, target: `${m.user}@${m.host}:${m.port}`, user: m.user, host: m.host, port: m.port, root: m.root, providerId: m.id, httpPort: m.httpPort, region: m.region };
  }

  /** A member that never became a runner or an edge: its machine given back, its token deleted, the failure said, the backoff grown. */
  private async discard(member: Member, why: string): Promise<void> {
    this.members = this.members.filter((m) => m !== member);
    this.forgetToken(member);
    this.save();
    await this.giveBack(member.source, member.providerId);
    this.failed(member.role, member.name, why);
  }

  private failed(role: Role, name: string, why: string): void {
    const state = this.roles[role];
    state.failures += 1;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (state.failures - 1));
    state.backoffUntil = this.now() + backoff;
    this.d.logger.error({ role, member: name, reason: why, retryInMs: backoff }, `the autoscaler could not add ${role === 'edge' ? 'an edge' : 'a runner'}`);
    this.decide({ role, action: 'failed', member: name, reason: `${why}; next try in ${Math.round(backoff / 1000)} s` });
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
    this.roles[member.role].lastActionAt = this.now();
    member.state = 'draining';
    member.since = this.now();
    this.holdDrain(member);
    this.save();
    this.decide({ role: member.role, action: 'remove', member: member.name, reason });
  }

  /** No new work for a runner, no new viewers for an edge, while the scaler removes it. */
  private holdDrain(member: Member): void {
    if (member.role === 'runner') this.d.pool.setDraining(member.name, true);
    else if (member.edgeId && this.d.edges && !this.edgeDrains.has(member.id)) this.edgeDrains.set(member.id, this.d.edges.drain(member.edgeId));
  }

  /** A drained member decommissioned over SSH and its machine given back; `drained` says why an edge could go. */
  private async decommission(member: Member, drained: string | null): Promise<void> {
    member.state = 'removing';
    member.since = this.now();
    this.save();
    this.emit();
    const { user, host, port } = member.ssh;
    let ended: ProvisionJob;
    try {
      const privateKey = fs.readFileSync(this.d.config().sshKeyFile, 'utf8');
      const ssh = { host, sshPort: port, user, privateKey, root: member.root };
      const runnerId = member.role === 'runner' ? this.d.pool.idOf(member.name) : undefined;
      const job =
        member.role === 'edge'
          ? this.d.edges!.decommission({ ...ssh, ...(member.edgeId ? { edgeId: member.edgeId } : {}) })
          : this.d.decommission({ ...ssh, ...(runnerId ? { runnerId } : {}) });
      ended = await withTimeout(this.d.finished(job.id), PROVISION_TIMEOUT_MS, noEnd);
    } catch (error) {
      ended = { state: 'failed', error: (error as Error).message, failedStep: null } as ProvisionJob;
    }
    if (ended.state !== 'done') {
      member.state = 'draining';
      member.retryAt = this.now() + BACKOFF_BASE_MS;
      this.save();
      this.d.logger.error({ role: member.role, member: member.name, error: ended.error }, `decommissioning ${member.role === 'edge' ? 'an edge' : 'a runner'} failed: trying again`);
      this.decide({ role: member.role, action: 'failed', member: member.name, reason: `decommissioning ${member.target} failed${ended.failedStep ? ` at ${ended.failedStep}` : ''}: ${ended.error ?? 'no reason given'}; trying again in ${BACKOFF_BASE_MS / 1000} s` });
      return;
    }
    await this.giveBack(member.source, member.providerId);
    this.members = this.members.filter((m) => m !== member);
    this.forgetToken(member);
    if (member.role === 'runner') this.d.pool.setDraining(member.name, false);
    this.edgeDrains.delete(member.id);
    this.save();
    this.decide({
      role: member.role,
      action: 'removed',
      member: member.name,
      reason: `${member.name}${drained ? ` drained (${drained}),` : ''} decommissioned${member.source === 'provider' ? ' and its machine destroyed' : ` (${member.target} back in the pool)`}`,
    });
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
    this.d.logger.info({ role: entry.role, action: entry.action, member: entry.member, reason: entry.reason }, 'autoscaler decision');
    this.d.audit?.record({ actor: 'system', action: `scaling.${entry.action}`, target: entry.member ?? `${entry.role}s`, ip: null, result: entry.action === 'failed' ? 'failed' : 'ok', detail: entry.reason });
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

function newRole(): RoleState {
  return { lastActionAt: null, backoffUntil: null, failures: 0, lastReason: '', lastSignature: '' };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.slice(0, 300) ?? '';
}
