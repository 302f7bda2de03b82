import type { Display, RemotePermission, RemoteSession } from '../../src-shared/contract/index.js';
import type { AuditPort } from '../auth/types.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { DisplayService } from '../displays/display-service.js';
import type { WaylandDesktops } from '../displays/wayland.linux.js';
import type { IceOptions } from '../protocols/webrtc/ice-options.js';
import { DisplayShare, type DisplayShareDeps } from './display-share.js';
import type { InputInjector } from './input-injector.js';
import { HeldInput, parseViewerMessage, type AgentCommand } from './input-protocol.js';
import { PairingBook, type PairingEntry } from './pairing.js';
import type { RemotePeer } from './remote-peer.js';

/** How long an ended session's viewers are given to acknowledge the "ended" message. */
const ENDED_DELIVERY_MS = 1500;

interface Viewer {
  peer: RemotePeer;
  sessionId: string;
  display: Display;
  held: HeldInput;
  share?: DisplayShare;
}

export interface RemoteServiceDeps extends DisplayShareDeps {
  displays: Pick<DisplayService, 'get' | 'onChange'>;
  injector: Pick<InputInjector, 'send' | 'warm' | 'retain' | 'dispose'>;
  /** The Wayland desktop's monitors: capture (DisplayShareDeps) and input. */
  wayland?: Pick<WaylandDesktops, 'desktop' | 'input' | 'dispose'>;
  ice: () => IceOptions;
  /** Viewers joining or refused, and sessions ending, go to the audit log (a session's start is a write call). */
  audit?: Pick<AuditPort, 'record'>;
}

/**
 * Remote-desktop sessions: pairing, one share per display (capture, sound, clipboard) for its viewers,
 * and input from each viewer's data channel injected into the session's display (control sessions only).
 */
export class RemoteService implements Service {
  readonly name = 'remote';
  readonly book = new PairingBook();
  private readonly viewers = new Map<string, Viewer>();
  private readonly shares = new Map<string, DisplayShare>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: RemoteServiceDeps) {}

  start(): void {
    // A display that disappears ends its sessions and its input agent.
    this.unsubscribe = this.deps.displays.onChange((all) => {
      const ids = new Set(all.map((d) => d.id));
      for (const session of this.book.list()) if (!ids.has(session.displayId)) this.end(session.id, 'display removed');
      this.deps.injector.retain(new Set(all.map((d) => d.name)));
    });
  }

  list(): RemoteSession[] {
    return this.book.list().map((s) => this.describe(s));
  }

  async create(displayId: string, permission: RemotePermission): Promise<RemoteSession> {
    await this.deps.displays.get(displayId);
    const entry = this.book.open(displayId, permission);
    this.deps.logger.info({ session: entry.id, display: displayId, permission }, 'remote session opened');
    return this.describe(entry);
  }

  /** Ends a session: its viewers are told, then disconnected; their held keys are released. */
  end(id: string, reason = 'ended by the host'): void {
    const session = this.book.end(id);
    if (!session) throw new StudioError('NOT_FOUND', `no remote session "${id}"`, { id });
    for (const viewer of [...this.viewers.values()]) {
      if (viewer.sessionId !== id) continue;
      // The viewer is told first (it closes at once); the peer connection goes once the message is
      // acknowledged, or after a second and a half.
      viewer.peer.send({ t: 'ended', reason });
      void viewer.peer.delivered(ENDED_DELIVERY_MS).then(() => viewer.peer.close(reason));
    }
    this.deps.logger.info({ session: id, reason }, 'remote session ended');
    this.deps.audit?.record({ actor: 'system', action: 'remote.ended', target: id, ip: null, result: 'ok', detail: reason });
  }

  /** Pairing: a code for a token and what the viewer needs to know. */
  async pair(code: unknown, viaJwt?: { sessionId: string }): Promise<{ token: string; expiresAt: number; sessionId: string; permission: RemotePermission; width: number; height: number }> {
    // A viewer with a remote-view JWT (checked by the caller) skips the code; everyone else types it.
    const { grant, session } = viaJwt ? this.book.grantFor(viaJwt.sessionId) : this.book.redeem(code);
    const display = await this.deps.displays.get(session.displayId);
    return { token: grant.token, expiresAt: grant.expiresAt, sessionId: session.id, permission: session.permission, width: display.width, height: display.height };
  }

  /** The session a viewer's token grants; a refusal is audited. */
  checkViewer(token: string | undefined, remoteAddress: string): PairingEntry {
    try {
      return this.book.check(token);
    } catch (error) {
      this.deps.audit?.record({ actor: 'remote viewer', action: 'remote.viewer', target: null, ip: remoteAddress, result: 'denied', detail: StudioError.from(error).code });
      throw error;
    }
  }

  /** A viewer's offer, authorised by its token: the answer and the viewer id (for DELETE). */
  async connect(token: string | undefined, offer: string, remoteAddress: string): Promise<{ id: string; answer: string }> {
    const session = this.checkViewer(token, remoteAddress);
    const display = await this.deps.displays.get(session.displayId);
    const held = new HeldInput();
    // Filled in once the peer exists; its events cannot fire before the answer is sent.
    const slot: { viewer?: Viewer } = {};
    // werift comes with the first viewer's peer, not with every start of the host.
    const { RemotePeer: Peer } = await import('./remote-peer.js');
    const { peer, answer } = await Peer.create({
      offer,
      ice: this.deps.ice(),
      remoteAddress,
      events: {
        onMessage: (text) => slot.viewer && this.onMessage(slot.viewer, session, text),
        onClosed: (reason) => slot.viewer && this.onViewerClosed(slot.viewer, reason),
        onReport: (sample) => slot.viewer?.share?.report(slot.viewer.peer.id, sample),
      },
      onConnected: (p) => void this.attach(display, p, session.permission).catch((error: unknown) => p.close(`capture failed: ${(error as Error).message}`)),
    });
    slot.viewer = { peer, sessionId: session.id, display, held };
    this.viewers.set(peer.id, slot.viewer);
    this.deps.logger.info({ session: session.id, viewer: peer.id, display: display.name }, 'remote viewer joined');
    this.deps.audit?.record({ actor: 'remote viewer', action: 'remote.viewer', target: session.id, ip: remoteAddress, result: 'ok', detail: display.name });
    return { id: peer.id, answer };
  }

  /** A viewer leaves (DELETE with its token): only viewers of the token's session can be removed. */
  disconnect(viewerId: string, sessionId: string): void {
    const viewer = this.viewers.get(viewerId);
    if (!viewer || viewer.sessionId !== sessionId) throw new StudioError('NOT_FOUND', `no remote viewer "${viewerId}"`);
    viewer.peer.close('viewer left');
  }

  async dispose(): Promise<void> {
    this.unsubscribe?.();
    for (const viewer of [...this.viewers.values()]) viewer.peer.close('host stopping');
    await Promise.all([...this.shares.values()].map((share) => share.stop()));
    this.shares.clear();
    this.deps.injector.dispose();
    this.deps.wayland?.dispose();
  }

  private async attach(display: Display, peer: RemotePeer, permission: RemotePermission): Promise<void> {
    const viewer = this.viewers.get(peer.id);
    if (!viewer) return;
    let share = this.shares.get(display.id);
    if (!share) {
      share = new DisplayShare(display, this.deps);
      this.shares.set(display.id, share);
    }
    viewer.share = share;
    if (permission === 'control' && display.kind !== 'wayland') this.deps.injector.warm(display.name);
    await share.add({
      id: peer.id,
      control: permission === 'control',
      codec: peer.codec,
      video: (rtp) => peer.video(rtp),
      audio: (rtp) => peer.audio(rtp),
      send: (message) => peer.send(message),
    });
  }

  private onMessage(viewer: Viewer, session: PairingEntry, text: string): void {
    const parsed = parseViewerMessage(text);
    if (!parsed.ok) {
      viewer.peer.send({ t: 'error', code: 'BAD_REQUEST', message: parsed.reason });
      return;
    }
    const { message } = parsed;
    if (message.t === 'ping') return;
    if (message.t === 'quality') {
      viewer.share?.choose(viewer.peer.id, message.level);
      return;
    }
    if (session.permission !== 'control') {
      viewer.peer.send({ t: 'error', code: 'FORBIDDEN', message: 'this session is view only: input is refused' });
      return;
    }
    if (message.t === 'clipboard') {
      void viewer.share?.setClipboard(message.text).then((ok) => {
        if (!ok) viewer.peer.send({ t: 'error', code: 'UNAVAILABLE', message: 'clipboard sharing is off or unavailable on this display' });
      });
      return;
    }
    this.inject(viewer.display, viewer.held.commands(message, viewer.display));
  }

  private onViewerClosed(viewer: Viewer, reason: string): void {
    this.viewers.delete(viewer.peer.id);
    const share = viewer.share;
    if (share?.remove(viewer.peer.id) && this.shares.get(viewer.display.id) === share) this.shares.delete(viewer.display.id);
    const release = viewer.held.releaseAll();
    if (release.length > 0) this.inject(viewer.display, release);
    this.deps.logger.info({ session: viewer.sessionId, viewer: viewer.peer.id, reason, released: release.length }, 'remote viewer left');
  }

  private describe(s: PairingEntry): RemoteSession {
    const viewers = [...this.viewers.values()]
      .filter((v) => v.sessionId === s.id)
      .map((v) => {
        const network = v.share?.network(v.peer.id);
        return { id: v.peer.id, remoteAddress: v.peer.remoteAddress, connected: v.peer.connected, since: v.peer.since, ...(network ? { network } : {}) };
      });
    return { id: s.id, displayId: s.displayId, permission: s.permission, pairingCode: s.pairingCode, pairingExpiresAt: s.pairingExpiresAt, createdAt: s.createdAt, viewers };
  }

  /** Input for a display: a Wayland monitor's desktop takes it, an X display's agent otherwise. */
  private inject(display: Display, commands: readonly AgentCommand[]): void {
    if (display.kind === 'wayland') this.deps.wayland?.input(display.name, commands);
    else this.deps.injector.send(display.name, commands);
  }
}
