import crypto from 'node:crypto';
import path from 'node:path';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import { Supervisor } from '../core/supervisor.js';
import type { ObsService } from './obs-service.js';
import { ObsProcess } from './obs-process.js';
import { freePort } from '../platform/net.js';

export const MANAGED_OBS_ID = 'managed';

/** Restarted for as long as the host runs, with the default backoff; counted again from zero once it is up. */
const RESTART_POLICY = { maxFailures: Number.POSITIVE_INFINITY, stableMs: 0, backoff: DEFAULT_BACKOFF };

/**
 * Host mode: one OBS Studio under a virtual display, with its own HOME in the studio home, the
 * websocket on a free port with a random password (new at every host start), 2 s keyframes.
 * Restarted with backoff when it exits, stopped with the host. Registered as the `managed` connection.
 */
export class ManagedObs implements Service {
  readonly name = 'managed-obs';
  private process: ObsProcess | undefined;
  private stopping = false;
  private readonly supervisor = new Supervisor(RESTART_POLICY, { unref: true });

  constructor(
    private readonly o: { home: string; children: ChildRegistry; obs: ObsService; logger: Logger },
  ) {}

  async start(): Promise<void> {
    if (process.platform !== 'linux') {
      throw new StudioError('NOT_IMPLEMENTED_ON_OS', 'obs.managed needs Linux (OBS runs under xvfb-run); start OBS yourself and add it on the OBS page');
    }
    const port = await freePort();
    const password = crypto.randomBytes(18).toString('base64url');
    const obsHome = path.join(this.o.home, 'obs');
    this.process = new ObsProcess({
      home: obsHome,
      websocketPort: port,
      websocketPassword: password,
      recordDir: path.join(obsHome, 'recordings'),
      children: this.o.children,
    });
    await this.launch();
    const existing = this.o.obs.list().find((c) => c.id === MANAGED_OBS_ID);
    if (existing) await this.o.obs.update(MANAGED_OBS_ID, { host: '127.0.0.1', port, password });
    else await this.o.obs.create({ id: MANAGED_OBS_ID, host: '127.0.0.1', port, password, managed: true });
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    this.supervisor.stop();
    await this.process?.stop();
  }

  private async launch(): Promise<void> {
    const proc = this.process!;
    this.supervisor.starting();
    await proc.start();
    this.supervisor.running();
    this.o.logger.info({ pid: proc.pid }, 'managed OBS started');
    void proc.whenExited.then(() => {
      if (this.stopping) return;
      this.o.logger.warn({ log: proc.log().slice(-500) }, 'managed OBS exited');
      this.restartLater();
    });
  }

  /** Restarts OBS with backoff until it stays up (the link reconnects by itself: same port and password). */
  private restartLater(): void {
    if (this.stopping) return;
    const decision = this.supervisor.failed(() => {
      if (this.stopping) return;
      this.launch().catch((error: unknown) => {
        this.o.logger.error({ err: error }, 'managed OBS failed to restart');
        this.restartLater();
      });
    });
    if (decision.action === 'restart') this.o.logger.info({ retryInMs: decision.delayMs }, 'restarting managed OBS');
  }
}
