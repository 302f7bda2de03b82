import crypto from 'node:crypto';
import { GUEST_ID_RE, GUEST_LINK_DEFAULT_SEC, type Guest, type GuestChatLine, type GuestView } from '../../src-shared/contract/guests.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { JwtAction, JwtCheck } from '../auth/jwt.js';
import type { GuestRecord, GuestStore } from '../store/guests.js';
import { guestState, nextState, type GuestAction } from './guest-rules.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Lines of a private chat kept per guest. */
const CHAT_KEPT = 100;
const newId = (): string => `gst_${[...crypto.randomBytes(12)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;

/** The path name a guest publishes on (not a stream name: no stream, packager or recorder takes it). */
export const guestPath = (id: string): string => `guest.${id}`;
/** The relay the studio sends a guest's return sound on (the program without their voice). */
export const returnPath = (id: string): string => `return.${id}`;

export interface GuestServiceDeps {
  store: GuestStore;
  bus: Pick<EventBus, 'emit'>;
  jwt: {
    issue(input: { action: JwtAction; streams: string[]; expiresInSec: number; subject: string; name?: string }): Promise<{ token: string; expiresAt: number }>;
    verify(token: string, need: { action: JwtAction; stream: string; ip: string }): Promise<JwtCheck>;
  };
  streamExists(name: string): boolean;
  /** Guests on one show at a time (config guests.max). */
  maxOnShow?(): number;
  /** The show's stream has a publisher now (the return feed then carries its picture). */
  programLive?(stream: string): boolean;
  /** Ends a guest's WHIP session (and the studio's pulls of it) when they leave the show. */
  disconnect(id: string, reason: string): void;
  /** The producer muted or hid a guest: the show's sources of them follow (SceneService.applyGuest). */
  applyToShow?(id: string, change: { muted?: boolean | undefined; hidden?: boolean | undefined }): void;
  /** The highest take number the host has of a guest's own recording (guests/takes.ts). */
  takesOf?(id: string): number;
  now?: () => number;
}

/**
 * A show's guests: links, the green room and who is on the show. The producer's calls (contract
 * methods) and the guest's own (their link's JWT, checked here before anything else is read) change
 * one record each and announce it as `guests.changed`. What is live (their WHIP session, their media)
 * is kept in memory: a restarted host has nobody connected.
 */
export class GuestService {
  private readonly live = new Map<string, { video: boolean; audio: boolean }>();
  /** The private chats by guest (in memory: a restarted host starts them afresh). */
  private readonly chats = new Map<string, GuestChatLine[]>();
  private chatSeq = 0;
  private readonly now: () => number;

  constructor(private readonly deps: GuestServiceDeps) {
    this.now = deps.now ?? (() => Date.now());
  }

  list(stream: string): Guest[] {
    this.requireStream(stream);
    return this.deps.store.ofStream(stream).map((g) => this.view(g));
  }

  async invite(input: { stream: string; name?: string | undefined; expiresInSec?: number | undefined }, baseUrl: string): Promise<Guest & { url: string }> {
    this.requireStream(input.stream);
    const id = newId();
    const name = input.name ?? 'Guest';
    const { token, expiresAt } = await this.deps.jwt.issue({ action: 'guest', streams: [input.stream], expiresInSec: input.expiresInSec ?? GUEST_LINK_DEFAULT_SEC, subject: id, name });
    const record: GuestRecord = { id, stream: input.stream, name, state: 'invited', reason: null, muted: false, hidden: false, invitedAt: this.now(), joinedAt: null, expiresAt };
    this.deps.store.put(record);
    const guest = this.announce(record);
    return { ...guest, url: `${baseUrl}/guest/${id}#${token}` };
  }

  revoke(stream: string, id: string): Guest {
    return this.act(stream, id, 'revoke');
  }

  /** Lets a guest on; past guests.max on the show, CONFLICT (they wait in the green room). */
  admit(stream: string, id: string): Guest {
    const max = this.deps.maxOnShow?.() ?? Infinity;
    const on = this.deps.store.ofStream(stream).filter((g) => g.id !== id && guestState(g, this.now()) === 'admitted').length;
    if (on >= max) throw new StudioError('CONFLICT', `the show has ${on} guests on it already, as many as guests.max allows: remove one first (this guest waits in the green room)`, { max, on });
    return this.act(stream, id, 'admit');
  }

  refuse(stream: string, id: string, reason?: string): Guest {
    return this.act(stream, id, 'refuse', reason ?? 'The producer could not take you on the show this time.');
  }

  remove(stream: string, id: string, reason?: string): Guest {
    return this.act(stream, id, 'remove', reason ?? 'The producer took you off the show.');
  }

  update(input: { stream: string; id: string; name?: string | undefined; muted?: boolean | undefined; hidden?: boolean | undefined }): Guest {
    const record = this.record(input.stream, input.id);
    const state = guestState(record, this.now());
    if (state === 'expired' || state === 'revoked' || state === 'removed' || state === 'refused') throw new StudioError('CONFLICT', `the guest's link has ended (${state})`, { state });
    const next: GuestRecord = { ...record, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.muted !== undefined ? { muted: input.muted } : {}), ...(input.hidden !== undefined ? { hidden: input.hidden } : {}) };
    this.deps.store.put(next);
    if (input.muted !== undefined || input.hidden !== undefined) this.deps.applyToShow?.(input.id, { muted: input.muted, hidden: input.hidden });
    return this.announce(next);
  }

  /**
   * The guest behind a link: the JWT must be ours (or the platform's), for this guest (`sub`) and its
   * show, not expired; a link that ended is GUEST_LINK_ENDED with the state and reason (the page says
   * which). Reads nothing but the id and the token. `uploading` (their own recording, guests/takes.ts):
   * a guest taken off the show still sends what they recorded on it.
   */
  async authenticate(id: string, token: string | undefined, ip: string, options: { uploading?: boolean } = {}): Promise<GuestRecord> {
    const record = GUEST_ID_RE.test(id) ? this.deps.store.get(id) : undefined;
    if (!record) throw new StudioError('NOT_FOUND', 'no such guest link');
    if (!token) throw new StudioError('UNAUTHORIZED', "open the whole link the producer sent (it carries the guest's token after #)");
    const check = await this.deps.jwt.verify(token, { action: 'guest', stream: record.stream, ip });
    if (!check.ok) {
      if (check.code === 'TOKEN_EXPIRED') throw ended({ ...record, state: 'invited' }, 'expired');
      throw new StudioError('JWT_INVALID', check.reason);
    }
    if (check.subject !== id) throw new StudioError('JWT_INVALID', 'the token is for another guest');
    const state = guestState(record, this.now());
    if (state === 'removed' && options.uploading) return record;
    if (state === 'expired' || state === 'revoked' || state === 'removed' || state === 'refused') throw ended(record, state);
    return record;
  }

  /** What the guest's page shows of itself. */
  viewOf(record: GuestRecord): GuestView {
    const g = this.view(record);
    return { id: g.id, stream: g.stream, name: g.name, state: g.state, reason: g.reason, muted: g.muted, hidden: g.hidden, expiresAt: g.expiresAt, program: this.deps.programLive?.(g.stream) ?? false, chat: this.chats.get(g.id) ?? [], now: this.now(), takes: this.deps.takesOf?.(g.id) ?? 0 };
  }

  /** The private chat with a guest. */
  chat(stream: string, id: string): GuestChatLine[] {
    return this.chats.get(this.record(stream, id).id) ?? [];
  }

  /** The producer writes to a guest whose link is still open. */
  say(stream: string, id: string, text: string): GuestChatLine {
    const record = this.record(stream, id);
    const state = guestState(record, this.now());
    if (state !== 'invited' && state !== 'waiting' && state !== 'admitted') throw new StudioError('CONFLICT', `the guest's link has ended (${state})`, { state });
    return this.addLine(record, 'producer', text);
  }

  /** The guest writes to the producer (from the green room or the show). */
  guestSays(record: GuestRecord, text: string): GuestChatLine {
    return this.addLine(record, 'guest', text);
  }

  private addLine(record: GuestRecord, from: GuestChatLine['from'], text: string): GuestChatLine {
    const line: GuestChatLine = { seq: ++this.chatSeq, from, text, at: this.now() };
    const lines = [...(this.chats.get(record.id) ?? []), line].slice(-CHAT_KEPT);
    this.chats.set(record.id, lines);
    this.deps.bus.emit('guests.chat', { stream: record.stream, guestId: record.id, line });
    return line;
  }

  /** The guest opened the link and asks to join: into the green room (an admitted guest who reloads stays on the show). */
  join(record: GuestRecord, name: string): GuestView {
    const next: GuestRecord = { ...record, name, joinedAt: this.now(), state: nextState(record, 'join', this.now()) };
    this.deps.store.put(next);
    this.announce(next);
    return this.viewOf(next);
  }

  /** An admitted guest may publish; anyone else is GUEST_NOT_ADMITTED. */
  checkPublish(record: GuestRecord): void {
    if (record.state !== 'admitted') throw new StudioError('GUEST_NOT_ADMITTED', 'wait in the green room until the producer lets you in', { state: record.state });
  }

  /** The guest's WHIP session connected (with what it sends) or ended. */
  setLive(id: string, media: { video: boolean; audio: boolean } | null): void {
    if (media) this.live.set(id, media);
    else if (!this.live.delete(id)) return;
    const record = this.deps.store.get(id);
    if (record) this.announce(record);
  }

  /** A guest's record (their link may have ended), for their takes. */
  recordOf(id: string): GuestRecord | undefined {
    return GUEST_ID_RE.test(id) ? this.deps.store.get(id) : undefined;
  }

  /** Whether a guest of `stream` is publishing now (the studio pulls only those). */
  isLive(id: string): boolean {
    return this.live.has(id);
  }

  /** Links that ended a week ago are forgotten. */
  prune(): number {
    return this.deps.store.prune(this.now() - 7 * 86_400_000);
  }

  private act(stream: string, id: string, action: GuestAction, reason?: string): Guest {
    const record = this.record(stream, id);
    const state = nextState(record, action, this.now());
    const next: GuestRecord = { ...record, state, reason: action === 'refuse' || action === 'remove' ? reason! : action === 'admit' ? null : record.reason };
    this.deps.store.put(next);
    if (state === 'revoked' || state === 'removed' || state === 'refused') this.deps.disconnect(id, `guest ${state}`);
    return this.announce(next);
  }

  private record(stream: string, id: string): GuestRecord {
    const record = this.deps.store.get(id);
    if (!record || record.stream !== stream) throw new StudioError('NOT_FOUND', `stream "${stream}" has no guest ${id}`, { stream, id });
    return record;
  }

  /** NOT_FOUND unless `stream` exists (a show's guests and takes are asked for by its name). */
  requireStream(stream: string): void {
    if (!this.deps.streamExists(stream)) throw new StudioError('NOT_FOUND', `no stream named "${stream}"`, { name: stream });
  }

  private view(record: GuestRecord): Guest {
    const media = this.live.get(record.id);
    return {
      id: record.id,
      stream: record.stream,
      name: record.name,
      state: guestState(record, this.now()),
      reason: record.reason,
      muted: record.muted,
      hidden: record.hidden,
      live: media !== undefined,
      media: media ?? { video: false, audio: false },
      invitedAt: record.invitedAt,
      joinedAt: record.joinedAt,
      expiresAt: record.expiresAt,
    };
  }

  private announce(record: GuestRecord): Guest {
    const guest = this.view(record);
    this.deps.bus.emit('guests.changed', { guest });
    return guest;
  }
}

function ended(record: GuestRecord, state: string): StudioError {
  return new StudioError('GUEST_LINK_ENDED', state === 'expired' ? 'this guest link has expired' : state === 'revoked' ? 'the producer withdrew this guest link' : (record.reason ?? `this guest link has ended (${state})`), {
    state,
    reason: record.reason,
  });
}
