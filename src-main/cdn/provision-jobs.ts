import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ProvisionJob } from '../../src-shared/contract/cdn.js';
import type { AuditPort } from '../auth/types.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { defaultPublicUrl, type NodeRole } from '../edge/provision-plan.js';
import { EdgeProvisioner, type ProvisionOutcome } from '../edge/provisioner.js';
import { SshShell } from '../edge/ssh-shell.js';

type ProvisionJobsRunners = ConstructorParameters<typeof ProvisionJobs>[0]['runners'];

export interface SshInput {
  host: string;
  sshPort: number;
  user: string;
  privateKey: string;
  root: string;
}

/**
 * Provisioning and decommission jobs started from the API: each runs in the background, every step
 * goes out as a `cdn.provision` event, and the job stays readable (`cdn.job`) for an hour.
 */
export class ProvisionJobs {
  private readonly jobs = new Map<string, ProvisionJob>();
  private readonly waiters = new Map<string, ((job: ProvisionJob) => void)[]>();

  constructor(
    private readonly deps: {
      bus: EventBus;
      logger: Logger;
      bundleFile: () => string;
      unitTemplateFile: () => string;
      waitRegistered: (edgeId: string, timeoutMs: number) => Promise<boolean>;
      forgetEdge: (edgeId: string) => void;
      /** Registered edges (to find the one a job works on) and the drain a job holds while it runs. */
      edges?: () => { id: string; url: string }[];
      drainFor?: (edgeId: string, why: 'decommission' | 'upgrade') => { release(): void };
      /** Where a job's outcome is recorded (its start is a write call, recorded by the dispatcher). */
      audit?: Pick<AuditPort, 'record'>;
      /** Runners provisioned the same way: their bundle and unit, whether one of that name is connected, and disconnecting one. */
      runners?: {
        bundleFile: () => string;
        unitTemplateFile: () => string;
        waitConnected: (name: string, timeoutMs: number) => Promise<boolean>;
        remove: (id: string) => void;
      };
    },
  ) {}

  /** Resolves with job `id` once it has ended (done or failed). */
  finished(id: string): Promise<ProvisionJob> {
    const job = this.get(id);
    if (job.state !== 'running') return Promise.resolve(structuredClone(job));
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  private ended(job: ProvisionJob): void {
    for (const resolve of this.waiters.get(job.id) ?? []) resolve(structuredClone(job));
    this.waiters.delete(job.id);
  }

  get(id: string): ProvisionJob {
    const job = this.jobs.get(id);
    if (!job) throw new StudioError('NOT_FOUND', `no provisioning job "${id}"`);
    return job;
  }

  provision(input: SshInput & { port: number; region: string; origin: string; publicUrl?: string; cacheSize: string; token: string }): ProvisionJob {
    const bundle = this.deps.bundleFile();
    if (!fs.existsSync(bundle)) throw new StudioError('UNAVAILABLE', `the edge agent bundle is missing (${bundle}); run npm run build`);
    const publicUrl = input.publicUrl ?? defaultPublicUrl(input.host, input.port);
    // Provisioning an edge that is registered already is an upgrade: it restarts, so no new viewers meanwhile.
    const drained = this.drain('upgrade', (e) => sameUrl(e.url, publicUrl));
    return this.launch('provision', input, drained, (p) =>
      p.provision({ origin: input.origin, token: input.token, port: input.port, region: input.region, publicUrl, cacheSize: input.cacheSize }),
    );
  }

  /** Installs a runner (its register step waits until the host lists it under `name`). */
  provisionRunner(input: SshInput & { origin: string; token: () => string; name: string; slots: number }): ProvisionJob {
    this.runnersOrRefuse();
    return this.launch('provision', input, () => {}, (p) => p.provisionRunner({ origin: input.origin, token: input.token, name: input.name, slots: input.slots }), 'runner');
  }

  /** Stops and removes a provisioned runner; `runnerId` is disconnected at once (its jobs go back to the queue). */
  decommissionRunner(input: SshInput & { runnerId?: string }): ProvisionJob {
    const runners = this.runnersOrRefuse();
    return this.launch('decommission', input, () => {}, async (p) => {
      const outcome = await p.decommission();
      if (outcome.ok && input.runnerId) runners.remove(input.runnerId);
      return outcome;
    }, 'runner');
  }

  private runnersOrRefuse(): NonNullable<ProvisionJobsRunners> {
    const runners = this.deps.runners;
    if (!runners) throw new StudioError('UNAVAILABLE', 'this host provisions no runners');
    if (!fs.existsSync(runners.bundleFile())) throw new StudioError('UNAVAILABLE', `the runner bundle is missing (${runners.bundleFile()}); run npm run build`);
    return runners;
  }

  /**
   * Drains the registered edges a job works on while it runs. A decommission that succeeded forgets
   * its edge; one that failed keeps it draining (it was meant to go: an operator puts it back).
   */
  private drain(why: 'decommission' | 'upgrade', concerned: (edge: { id: string; url: string }) => boolean): (ok: boolean) => void {
    const holds = (this.deps.edges?.() ?? []).filter(concerned).map((e) => this.deps.drainFor!(e.id, why));
    return (ok) => {
      if (why === 'upgrade' || ok) for (const hold of holds) hold.release();
    };
  }

  decommission(input: SshInput & { edgeId?: string }): ProvisionJob {
    const drained = this.drain('decommission', (e) => (input.edgeId ? e.id === input.edgeId : hostOf(e.url) === input.host.toLowerCase()));
    return this.launch('decommission', input, drained, async (p) => {
      const outcome = await p.decommission();
      if (outcome.ok && input.edgeId) {
        try {
          this.deps.forgetEdge(input.edgeId);
        } catch {
          // Already gone from the registry.
        }
      }
      return outcome;
    });
  }

  private launch(kind: ProvisionJob['kind'], input: SshInput, drained: (ok: boolean) => void, run: (p: EdgeProvisioner) => Promise<ProvisionOutcome>, role: NodeRole = 'edge'): ProvisionJob {
    const job: ProvisionJob = {
      id: `job_${crypto.randomBytes(6).toString('hex')}`,
      kind,
      target: `${input.user}@${input.host}:${input.sshPort}`,
      state: 'running',
      steps: [],
      edgeId: null,
      failedStep: null,
      error: null,
      startedAt: Date.now(),
      endedAt: null,
    };
    this.jobs.set(job.id, job);
    const publish = (): void => this.deps.bus.emit('cdn.provision', structuredClone(job));
    const files = role === 'runner' ? this.deps.runners! : { bundleFile: this.deps.bundleFile, unitTemplateFile: this.deps.unitTemplateFile };
    const provisioner = new EdgeProvisioner({
      role,
      connect: () => SshShell.connect({ host: input.host, port: input.sshPort, username: input.user, privateKey: input.privateKey }),
      onStep: (update) => {
        const step = { ...update, at: Date.now() };
        const index = job.steps.findIndex((s) => s.id === step.id);
        if (index >= 0) job.steps[index] = step;
        else job.steps.push(step);
        publish();
      },
      bundle: () => fs.readFileSync(files.bundleFile()),
      unitTemplate: () => fs.readFileSync(files.unitTemplateFile(), 'utf8'),
      waitRegistered: role === 'runner' ? this.deps.runners!.waitConnected : this.deps.waitRegistered,
      root: input.root,
    });
    run(provisioner).then(
      (outcome) => {
        drained(outcome.ok);
        Object.assign(job, { state: outcome.ok ? 'done' : 'failed', edgeId: outcome.edgeId, failedStep: outcome.failedStep, error: outcome.error, endedAt: Date.now() });
        this.deps.logger.info({ job: job.id, kind, target: job.target, ok: outcome.ok, failedStep: outcome.failedStep }, 'provisioning job ended');
        this.deps.audit?.record({ actor: 'system', action: `${role}.${kind}`, target: job.target, ip: null, result: outcome.ok ? 'ok' : 'failed', detail: outcome.failedStep });
        publish();
        this.ended(job);
        setTimeout(() => this.jobs.delete(job.id), 3_600_000).unref();
      },
      (error: unknown) => {
        drained(false);
        Object.assign(job, { state: 'failed', error: (error as Error).message, endedAt: Date.now() });
        this.deps.audit?.record({ actor: 'system', action: `${role}.${kind}`, target: job.target, ip: null, result: 'failed', detail: (error as Error).message });
        publish();
        this.ended(job);
      },
    );
    return structuredClone(job);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
