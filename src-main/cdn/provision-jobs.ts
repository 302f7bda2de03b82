import crypto from 'node:crypto';
import fs from 'node:fs';
import type { ProvisionJob } from '../../src-shared/contract/cdn.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { defaultPublicUrl } from '../edge/provision-plan.js';
import { EdgeProvisioner, type ProvisionOutcome } from '../edge/provisioner.js';
import { SshShell } from '../edge/ssh-shell.js';

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

  constructor(
    private readonly deps: {
      bus: EventBus;
      logger: Logger;
      bundleFile: () => string;
      unitTemplateFile: () => string;
      waitRegistered: (edgeId: string, timeoutMs: number) => Promise<boolean>;
      forgetEdge: (edgeId: string) => void;
    },
  ) {}

  get(id: string): ProvisionJob {
    const job = this.jobs.get(id);
    if (!job) throw new StudioError('NOT_FOUND', `no provisioning job "${id}"`);
    return job;
  }

  provision(input: SshInput & { port: number; region: string; origin: string; publicUrl?: string; cacheSize: string; token: string }): ProvisionJob {
    const bundle = this.deps.bundleFile();
    if (!fs.existsSync(bundle)) throw new StudioError('UNAVAILABLE', `the edge agent bundle is missing (${bundle}); run npm run build`);
    const publicUrl = input.publicUrl ?? defaultPublicUrl(input.host, input.port);
    return this.launch('provision', input, (p) =>
      p.provision({ origin: input.origin, token: input.token, port: input.port, region: input.region, publicUrl, cacheSize: input.cacheSize }),
    );
  }

  decommission(input: SshInput & { edgeId?: string }): ProvisionJob {
    return this.launch('decommission', input, async (p) => {
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

  private launch(kind: ProvisionJob['kind'], input: SshInput, run: (p: EdgeProvisioner) => Promise<ProvisionOutcome>): ProvisionJob {
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
    const provisioner = new EdgeProvisioner({
      connect: () => SshShell.connect({ host: input.host, port: input.sshPort, username: input.user, privateKey: input.privateKey }),
      onStep: (update) => {
        const step = { ...update, at: Date.now() };
        const index = job.steps.findIndex((s) => s.id === step.id);
        if (index >= 0) job.steps[index] = step;
        else job.steps.push(step);
        publish();
      },
      bundle: () => fs.readFileSync(this.deps.bundleFile()),
      unitTemplate: () => fs.readFileSync(this.deps.unitTemplateFile(), 'utf8'),
      waitRegistered: this.deps.waitRegistered,
      root: input.root,
    });
    run(provisioner).then(
      (outcome) => {
        Object.assign(job, { state: outcome.ok ? 'done' : 'failed', edgeId: outcome.edgeId, failedStep: outcome.failedStep, error: outcome.error, endedAt: Date.now() });
        this.deps.logger.info({ job: job.id, kind, target: job.target, ok: outcome.ok, failedStep: outcome.failedStep }, 'provisioning job ended');
        publish();
        setTimeout(() => this.jobs.delete(job.id), 3_600_000).unref();
      },
      (error: unknown) => {
        Object.assign(job, { state: 'failed', error: (error as Error).message, endedAt: Date.now() });
        publish();
      },
    );
    return structuredClone(job);
  }
}
