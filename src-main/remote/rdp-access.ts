import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { RdpAccess } from '../../src-shared/contract/index.js';
import { DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import type { AuditPort } from '../auth/types.js';
import { killTree, stopChild, type ChildRegistry } from '../core/children.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { Supervisor, type RestartPolicy } from '../core/supervisor.js';
import { freePort, waitForPort } from '../platform/net.js';
import type { DisplayService } from '../displays/display-service.js';
import { rdpPassword, rdpUserName, refusalText, samFileOf, shadowArgs, ShadowLogReader, type ShadowLogEvent } from './rdp-shadow.js';

const START_TIMEOUT_MS = 10_000;
/** Five restarts in a row at most (1, 2, 4, 8 s apart); a run of a minute forgets them. */
const RESTART_POLICY: RestartPolicy = { maxFailures: 6, stableMs: 60_000, backoff: { ...DEFAULT_BACKOFF, jitter: 0 } };
export const SHADOW_COMMAND = 'freerdp-shadow-cli';

interface Access {
  displayId: string;
  displayName: string;
  user: string;
  openedBy: string;
  port: number;
  samFile: string;
  createdAt: number;
  expiresAt: number;
  state: RdpAccess['state'];
  certificateSha256: string | null;
  signIns: number;
  refused: number;
  connected: Set<string>;
  child?: ChildProcess;
  stopping: boolean;
  supervisor: Supervisor;
  expiry: NodeJS.Timeout;
}

export interface RdpAccessDeps {
  displays: Pick<DisplayService, 'get' | 'onChange'>;
  children: ChildRegistry;
  /** A folder of the host's own (SAM files, the shadow server's certificate), made 0700. */
  home: string;
  /** Where RDP clients may connect from: `remote.rdpBindAddress`. */
  bindAddress: () => string;
  env: NodeJS.ProcessEnv;
  command?: string;
  audit?: Pick<AuditPort, 'record'> | undefined;
  logger: Logger;
  platform?: NodeJS.Platform;
}

/**
 * RDP into the host's X displays: one FreeRDP shadow server per display that has an access open, on a
 * port of its own, taking one user name and a password made for that access. The studio user who opens
 * it (signed in, with TOTP where it is on) gets the password once; the host keeps only its NT hash, in a
 * SAM file no other user can read, and deletes it when the access closes or expires. Every sign-in and
 * every refusal goes into the audit log.
 */
export class RdpAccessService implements Service {
  readonly name = 'rdp-access';
  private readonly accesses = new Map<string, Access>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: RdpAccessDeps) {}

  start(): void {
    // A virtual display that goes away takes its access with it.
    this.unsubscribe = this.deps.displays.onChange((displays) => {
      for (const id of this.accesses.keys()) if (!displays.some((d) => d.id === id)) void this.close(id, 'display gone');
    });
  }

  list(): RdpAccess[] {
    return [...this.accesses.values()].map((a) => this.describe(a));
  }

  /** Opens RDP on a display (replacing an access already open there: its password stops working). */
  async open(displayId: string, options: { minutes: number; openedBy: string; userName: string }): Promise<RdpAccess & { password: string }> {
    if ((this.deps.platform ?? process.platform) !== 'linux') throw new StudioError('RDP_UNAVAILABLE', 'RDP into the host is available on Linux only');
    const display = await this.deps.displays.get(displayId);
    if (display.kind !== 'x11') {
      throw new StudioError('CONFLICT', `RDP reaches X displays only; "${displayId}" is a ${display.kind === 'wayland' ? 'Wayland monitor' : 'screen'}`, { id: displayId, kind: display.kind });
    }
    if (this.accesses.has(displayId)) await this.close(displayId, 'replaced');
    const home = this.deps.home;
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    fs.chmodSync(home, 0o700);
    const password = rdpPassword();
    const user = rdpUserName(options.userName);
    const samFile = path.join(home, `${displayId}.sam`);
    // Whole or not at all, and 0600 even where a file of an earlier run was left with other rights.
    writeFileAtomicSync(samFile, samFileOf(user, password), { mode: 0o600 });
    const now = Date.now();
    const access: Access = {
      displayId,
      displayName: display.name,
      user,
      openedBy: options.openedBy,
      port: await freePort(),
      samFile,
      createdAt: now,
      expiresAt: now + options.minutes * 60_000,
      state: 'starting',
      certificateSha256: null,
      signIns: 0,
      refused: 0,
      connected: new Set(),
      stopping: false,
      supervisor: new Supervisor(RESTART_POLICY, { unref: true }),
      expiry: setTimeout(() => void this.close(displayId, 'expired'), options.minutes * 60_000),
    };
    access.expiry.unref();
    this.accesses.set(displayId, access);
    try {
      await this.launch(access);
    } catch (error) {
      await this.close(displayId, 'failed to start');
      throw error;
    }
    access.certificateSha256 = this.certificateFingerprint();
    return { ...this.describe(access), password };
  }

  async close(displayId: string, why = 'closed'): Promise<void> {
    const access = this.accesses.get(displayId);
    if (!access) throw new StudioError('NOT_FOUND', `no RDP access is open on "${displayId}"`, { id: displayId });
    this.accesses.delete(displayId);
    access.stopping = true;
    clearTimeout(access.expiry);
    access.supervisor.stop();
    fs.rmSync(access.samFile, { force: true });
    if (access.child) await stopChild(access.child);
    this.deps.logger.info({ display: displayId, why }, 'RDP access closed');
    if (why === 'expired' || why === 'display gone') {
      this.deps.audit?.record({ actor: 'system', action: 'remote.rdp.close', target: `display:${displayId}`, ip: null, result: 'ok', detail: why });
    }
  }

  async dispose(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.accesses.keys()].map((id) => this.close(id, 'host stopping')));
  }

  private describe(a: Access): RdpAccess {
    const bind = this.deps.bindAddress();
    const host = bind === '0.0.0.0' || bind === '::' ? os.hostname() : bind.includes(':') ? `[${bind}]` : bind;
    return {
      displayId: a.displayId,
      user: a.user,
      address: `${host}:${a.port}`,
      port: a.port,
      state: a.state,
      certificateSha256: a.certificateSha256,
      openedBy: a.openedBy,
      createdAt: a.createdAt,
      expiresAt: a.expiresAt,
      connected: a.connected.size,
      signIns: a.signIns,
      refused: a.refused,
    };
  }

  /** Starts the shadow server and waits until it listens (or says why it cannot). */
  private async launch(access: Access): Promise<void> {
    const command = this.deps.command ?? SHADOW_COMMAND;
    const bindAddress = this.deps.bindAddress();
    let child: ChildProcess;
    try {
      child = this.deps.children.spawn(command, shadowArgs({ port: access.port, bindAddress, samFile: access.samFile }), {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its certificate and key are made under HOME on the first start and kept for the next ones.
        env: { ...this.deps.env, DISPLAY: access.displayName, HOME: this.deps.home, WLOG_LEVEL: 'WARN', WLOG_APPENDER: 'CONSOLE' },
      });
    } catch (error) {
      throw this.unavailable(error);
    }
    access.child = child;
    access.supervisor.starting();
    let tail = '';
    const fatal = new Promise<never>((_resolve, reject) => {
      child.once('error', (error) => reject(this.unavailable(error)));
      child.once('exit', (code, signal) => reject(new StudioError('RDP_FAILED', `the RDP server exited (${signal ?? `code ${code}`}) before it listened${tail ? `: ${tail}` : ''}`)));
    });
    // Observed from the start: it also rejects when the server exits after it listened, or after a
    // start that timed out killed it, and nobody waits on it then.
    fatal.catch(() => undefined);
    const reader = new ShadowLogReader();
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        const event = reader.read(line);
        if (event?.kind === 'fatal') tail = event.message;
        if (event) this.onLog(access, event);
      });
    }
    child.once('exit', (code, signal) => {
      access.connected.clear();
      if (access.stopping || access.state === 'starting') return;
      this.deps.logger.warn({ display: access.displayId, code, signal }, 'RDP server exited unexpectedly');
      const decision = access.supervisor.failed(() => void this.relaunch(access));
      access.state = decision.action === 'restart' ? 'restarting' : 'failed';
    });
    try {
      await Promise.race([waitForPort(access.port, bindAddress === '0.0.0.0' ? '127.0.0.1' : bindAddress === '::' ? '::1' : bindAddress, START_TIMEOUT_MS), fatal]);
    } catch (error) {
      killTree(child, 'SIGKILL');
      throw error instanceof StudioError ? error : new StudioError('RDP_FAILED', `the RDP server did not listen within ${START_TIMEOUT_MS / 1000} s${tail ? `: ${tail}` : ''}`);
    }
    access.state = 'running';
    access.supervisor.running();
    this.deps.logger.info({ display: access.displayId, port: access.port }, 'RDP access open');
  }

  private async relaunch(access: Access): Promise<void> {
    if (access.stopping) return;
    access.state = 'starting';
    try {
      await this.launch(access);
    } catch (error) {
      this.deps.logger.warn({ err: error, display: access.displayId }, 'RDP server did not come back');
      const decision = access.supervisor.failed(() => void this.relaunch(access));
      access.state = decision.action === 'restart' ? 'restarting' : 'failed';
    }
  }

  private onLog(access: Access, event: ShadowLogEvent): void {
    const target = `display:${access.displayId}`;
    if (event.kind === 'signed-in') {
      access.signIns++;
      access.connected.add(event.thread);
      this.deps.audit?.record({ actor: `rdp:${access.user}`, action: 'remote.rdp.signIn', target, ip: null, result: 'ok', detail: null });
    } else if (event.kind === 'refused') {
      access.refused++;
      this.deps.logger.warn({ display: access.displayId, reason: event.reason }, 'RDP sign-in refused');
      this.deps.audit?.record({ actor: 'anonymous', action: 'remote.rdp.signIn', target, ip: null, result: 'denied', detail: refusalText(event.reason) });
    } else if (event.kind === 'ended') {
      access.connected.delete(event.thread);
    }
  }

  private unavailable(error: unknown): StudioError {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return new StudioError(
      'RDP_UNAVAILABLE',
      missing ? `${SHADOW_COMMAND} is not installed (Debian, Ubuntu: the freerdp2-shadow-x11 package)` : `cannot start ${SHADOW_COMMAND}: ${(error as Error).message}`,
    );
  }

  /** The SHA-256 fingerprint of the certificate the shadow server made (clients show it on first connect). */
  private certificateFingerprint(): string | null {
    try {
      return new crypto.X509Certificate(fs.readFileSync(path.join(this.deps.home, '.config', 'freerdp', 'shadow', 'shadow.crt'))).fingerprint256;
    } catch {
      return null;
    }
  }
}
