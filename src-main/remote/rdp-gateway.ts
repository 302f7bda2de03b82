import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { RdpGateway, RdpGatewayInput } from '../../src-shared/contract/index.js';
import type { AuditPort } from '../auth/types.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import { stopChild, type ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { DisplayService } from '../displays/display-service.js';
import { asksToTrust, fingerprintHex, fingerprintText, knownFingerprint, pinnedHosts, rdpClientArgs, rdpClientFailure } from './rdp-client.js';
import type { RemoteService } from './remote-service.js';
import { monotonicMs } from '../core/clock.js';

export const RDP_CLIENT_COMMAND = 'xfreerdp';
/** How long a connection may take to show the remote desktop (sign-in included). */
const CONNECT_TIMEOUT_MS = 30_000;
export const MAX_GATEWAYS = 4;

interface Gateway {
  id: string;
  target: string;
  host: string;
  port: number;
  user: string;
  displayId: string;
  sessionId: string;
  openedBy: string;
  createdAt: number;
  certificateSha256: string | null;
  child: ChildProcess;
  closing: boolean;
}

export interface RdpGatewayDeps {
  displays: Pick<DisplayService, 'create' | 'delete' | 'windows'>;
  remote: Pick<RemoteService, 'create' | 'end' | 'list'>;
  children: ChildRegistry;
  /** The gateway's folder: xfreerdp's HOME, where it pins each server's certificate (known_hosts2). */
  home: string;
  env: NodeJS.ProcessEnv;
  command?: string;
  audit?: Pick<AuditPort, 'record'> | undefined;
  logger: Logger;
  platform?: NodeJS.Platform;
}

/**
 * The RDP gateway (as Apache Guacamole is, with our own viewer): the host opens an RDP session to a
 * server elsewhere with FreeRDP's client in a virtual display of its own, and shares that display as a
 * remote-desktop control session: a browser viewer with the pairing code sees the remote desktop and
 * drives it (input goes through xfreerdp), and the clipboard is bridged (the viewer's with the
 * display's X clipboard, that one with the server's by xfreerdp). The password is handed to xfreerdp on
 * its stdin and kept nowhere; the server's certificate is trusted on first use and pinned after.
 */
export class RdpGatewayService implements Service {
  readonly name = 'rdp-gateway';
  private readonly gateways = new Map<string, Gateway>();
  private pending = 0;

  constructor(private readonly deps: RdpGatewayDeps) {}

  list(): RdpGateway[] {
    const sessions = new Map(this.deps.remote.list().map((s) => [s.id, s]));
    const open = [...this.gateways.values()].filter((g) => {
      // Its session was ended from the session list: the gateway goes with it.
      if (!sessions.has(g.sessionId)) void this.teardown(g, 'its remote session was ended');
      return sessions.has(g.sessionId);
    });
    return open.map((g) => this.describe(g, sessions.get(g.sessionId)));
  }

  async open(input: RdpGatewayInput, openedBy: string): Promise<RdpGateway> {
    if ((this.deps.platform ?? process.platform) !== 'linux') throw new StudioError('RDP_UNAVAILABLE', 'the RDP gateway runs on Linux hosts only');
    if (this.gateways.size + this.pending >= MAX_GATEWAYS) {
      throw new StudioError('CONFLICT', `at most ${MAX_GATEWAYS} RDP gateway sessions at once`, { limit: MAX_GATEWAYS });
    }
    this.pending++;
    try {
      return await this.connect(input, openedBy);
    } finally {
      this.pending--;
    }
  }

  async close(id: string, why = 'closed'): Promise<void> {
    const gateway = this.gateways.get(id);
    if (!gateway) throw new StudioError('NOT_FOUND', `no RDP gateway session "${id}"`, { id });
    await this.teardown(gateway, why);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.gateways.values()].map((g) => this.teardown(g, 'host stopping')));
  }

  private async connect(input: RdpGatewayInput, openedBy: string): Promise<RdpGateway> {
    const { host, port, user } = input;
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const pinned = input.certificateSha256 ? fingerprintHex(input.certificateSha256) : null;
    if (input.certificateSha256 && !pinned) throw new StudioError('VALIDATION_FAILED', 'certificateSha256 must be a SHA-256 fingerprint (64 hex digits, colons allowed)');
    const knownHosts = path.join(this.deps.home, '.config', 'freerdp', 'known_hosts2');
    fs.mkdirSync(path.dirname(knownHosts), { recursive: true, mode: 0o700 });
    // A fingerprint given by the caller replaces the one pinned for that server.
    if (pinned) writeFileAtomicSync(knownHosts, pinnedHosts(readOr(knownHosts, ''), host, port, pinned), { mode: 0o600 });

    const display = await this.deps.displays.create({ width: input.width, height: input.height });
    let child: ChildProcess;
    try {
      child = this.deps.children.spawn(this.deps.command ?? RDP_CLIENT_COMMAND, rdpClientArgs({ host, port, user, domain: input.domain, width: input.width, height: input.height }), {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...this.deps.env, DISPLAY: display.name, HOME: this.deps.home },
      });
    } catch (error) {
      await this.deps.displays.delete(display.id).catch(() => undefined);
      throw (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? new StudioError('RDP_UNAVAILABLE', `${RDP_CLIENT_COMMAND} is not installed (Debian, Ubuntu: the freerdp2-x11 package)`)
        : new StudioError('RDP_FAILED', `cannot start ${RDP_CLIENT_COMMAND}: ${(error as Error).message}`);
    }
    // The password on stdin, once: never on a command line, in a file or a log.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${input.password}\n`);
    let log = '';
    const onLine = (line: string): void => {
      log = (log + line + '\n').slice(-16_000);
      // It would wait for a person to accept another certificate: stop it, the failure says why.
      if (asksToTrust(line)) child.kill('SIGKILL');
    };
    for (const stream of [child.stdout, child.stderr]) if (stream) readline.createInterface({ input: stream }).on('line', onLine);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    try {
      await this.waitForWindow(display.id, exited);
    } catch (error) {
      child.kill('SIGKILL');
      const code = await exited;
      await this.deps.displays.delete(display.id).catch(() => undefined);
      const why = rdpClientFailure(log, code);
      const failure = error instanceof StudioError ? error : new StudioError(why.code, why.message, { target });
      this.deps.logger.warn({ target, code: failure.code, log: log.slice(-1500) }, 'RDP gateway connection failed');
      this.deps.audit?.record({ actor: openedBy, action: 'remote.gateway.connect', target, ip: null, result: 'failed', detail: failure.code });
      throw failure;
    }

    let session: Awaited<ReturnType<RemoteService['create']>>;
    try {
      session = await this.deps.remote.create(display.id, 'control');
    } catch (error) {
      await stopChild(child);
      await this.deps.displays.delete(display.id).catch(() => undefined);
      throw error;
    }
    const gateway: Gateway = {
      id: `gw-${crypto.randomBytes(6).toString('hex')}`,
      target,
      host,
      port,
      user,
      displayId: display.id,
      sessionId: session.id,
      openedBy,
      createdAt: Date.now(),
      certificateSha256: knownFingerprint(readOr(knownHosts, ''), host, port),
      child,
      closing: false,
    };
    this.gateways.set(gateway.id, gateway);
    // The server ended the session (signed out, dropped): the gateway closes with the reason.
    void exited.then((code) => {
      if (gateway.closing) return;
      const why = code === 0 ? 'the RDP session ended' : rdpClientFailure(log, code).message;
      void this.teardown(gateway, why);
    });
    this.deps.logger.info({ gateway: gateway.id, target, display: display.id }, 'RDP gateway connected');
    this.deps.audit?.record({ actor: openedBy, action: 'remote.gateway.connect', target, ip: null, result: 'ok', detail: `as ${user}` });
    return this.describe(gateway, session);
  }

  /** Resolves once xfreerdp's window is on the display (it maps it after the sign-in), fails if it exits first. */
  private async waitForWindow(displayId: string, exited: Promise<number | null>): Promise<void> {
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = monotonicMs() + CONNECT_TIMEOUT_MS;
    while (monotonicMs() < deadline) {
      if (gone) throw new Error('exited');
      const windows = await this.deps.displays.windows(displayId).catch(() => []);
      if (windows.some((w) => /FreeRDP/i.test(w.title) && w.width > 0)) return;
      await Promise.race([new Promise((r) => setTimeout(r, 150)), exited]);
    }
    throw new StudioError('RDP_UNREACHABLE', `the RDP server did not show a desktop within ${CONNECT_TIMEOUT_MS / 1000} s`);
  }

  private async teardown(gateway: Gateway, why: string): Promise<void> {
    if (gateway.closing) return;
    gateway.closing = true;
    this.gateways.delete(gateway.id);
    try {
      this.deps.remote.end(gateway.sessionId, why === 'closed' ? 'ended by the host' : why);
    } catch {
      // Already ended (by the host's session list).
    }
    await stopChild(gateway.child);
    await this.deps.displays.delete(gateway.displayId).catch(() => undefined);
    this.deps.logger.info({ gateway: gateway.id, why }, 'RDP gateway closed');
    if (why !== 'closed') this.deps.audit?.record({ actor: 'system', action: 'remote.gateway.close', target: gateway.target, ip: null, result: 'ok', detail: why.slice(0, 200) });
  }

  private describe(g: Gateway, session: { pairingCode: string; pairingExpiresAt: number; viewers: unknown[] } | undefined): RdpGateway {
    return {
      id: g.id,
      target: g.target,
      user: g.user,
      displayId: g.displayId,
      sessionId: g.sessionId,
      pairingCode: session?.pairingCode ?? '',
      pairingExpiresAt: session?.pairingExpiresAt ?? 0,
      viewers: session?.viewers.length ?? 0,
      certificateSha256: g.certificateSha256 ? fingerprintText(g.certificateSha256) : null,
      openedBy: g.openedBy,
      createdAt: g.createdAt,
    };
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
